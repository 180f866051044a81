"Shared fixtures: the GlobalOpinionQA CSV for the checks that need it (skipped without it)."
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def data_path() -> str:
    "The GlobalOpinionQA CSV: $GRPO_NB_DATA, else ../shared/data/goqa_subset.csv; '' if none exists."
    shared = ROOT.parent / "shared" / "data" / "goqa_subset.csv"
    path = os.environ.get("GRPO_NB_DATA") or str(shared)
    return str(Path(path).resolve()) if Path(path).is_file() else ""


@pytest.fixture(scope="session")
def data() -> str:
    "The GlobalOpinionQA CSV's path; the test skips when there is none."
    path = data_path()
    if not path: pytest.skip("no GlobalOpinionQA CSV (set GRPO_NB_DATA)")
    return path


@pytest.fixture(scope="session")
def data_sample(data) -> str:
    """Every 4th question of the GlobalOpinionQA CSV (real rows, same schema and countries),
    written under outputs/test/: for the checks that run the embedded model over a run's whole
    split (the study notebooks, the benchmark's stage), a quarter of the passes."""
    import pandas as pd
    raw = pd.read_csv(data, dtype=str, keep_default_na=False)
    sample = ROOT / "outputs" / "test" / "goqa_sample.csv"
    sample.parent.mkdir(parents=True, exist_ok=True)
    raw.iloc[::4].to_csv(sample, index=False)
    return str(sample)


@pytest.fixture(scope="session")
def optional_data() -> str:
    "The GlobalOpinionQA CSV's path, or '' (the checks that need it are left out)."
    return data_path()


def pytest_terminal_summary(terminalreporter):
    """Name the machine this run's times belong to (CPU, speed flags, cores, measured 2048² fp32
    rate), just above pytest's own summary line."""
    from grpo_nb.precision import machine_info, machine_line
    terminalreporter.write_line(f"machine: {machine_line(machine_info())}")

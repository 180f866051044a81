"Shared fixtures: the GlobalOpinionQA CSV for the checks that need it (skipped without it)."
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption("--data", default="", help="a GlobalOpinionQA CSV (default: $GRPO_NB_DATA, else "
                     "../shared/data/goqa_subset.csv); without one the `data` checks skip")


def data_path(config) -> str:
    "The GlobalOpinionQA CSV: --data, else $GRPO_NB_DATA, else ../shared/data/goqa_subset.csv; '' if none exists."
    shared = ROOT.parent / "shared" / "data" / "goqa_subset.csv"
    path = config.getoption("--data") or os.environ.get("GRPO_NB_DATA") or str(shared)
    return str(Path(path).resolve()) if Path(path).is_file() else ""


@pytest.fixture(scope="session")
def data(request) -> str:
    "The GlobalOpinionQA CSV's path; the test skips when there is none."
    path = data_path(request.config)
    if not path: pytest.skip("no GlobalOpinionQA CSV (set GRPO_NB_DATA or --data)")
    return path


@pytest.fixture(scope="session")
def optional_data(request) -> str:
    "The GlobalOpinionQA CSV's path, or '' (the checks that need it are left out)."
    return data_path(request.config)

"""The verdict on the committed records: the README carries what they give, no decision moves
with the bootstrap's seed, and the analysis modules import without the model stack."""
import subprocess, sys

import pytest

from tests.helpers import MODEL_STACK, ROOT

RECORDS = ROOT / "results" / "goqa_crossfit"


def test_analysis_imports_no_model_stack():
    """`import grpo_nb.verdict, grpo_nb.report, grpo_nb.records, grpo_nb.plots` loads neither torch,
    transformers, peft nor datasets (`-X importtime` lists every module a process imports)."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-c",
                        "import grpo_nb.verdict, grpo_nb.report, grpo_nb.records, grpo_nb.plots"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    imported = {line.split("|")[-1].strip() for line in r.stderr.splitlines()
                if line.startswith("import time:")}
    assert not set(MODEL_STACK) & imported


@pytest.mark.slow
def test_readme_verdict_is_the_records():
    """The README's verdict table is what the committed records give (the verdict's own settings,
    20,000 draws at seed 0; arms still pending are not in it); without every fold recorded, the
    README carries no table."""
    from grpo_nb.report import verdict_markdown
    from grpo_nb.verdict import read_records, verdict_tables
    readme = (ROOT / "README.md").read_text()
    carries = "| measure (worst country) |" in readme
    try: frames = read_records(RECORDS)
    except (FileNotFoundError, ValueError) as e:
        assert not carries, f"the records give no verdict ({e}), yet the README carries a table"
        return
    table = verdict_markdown(verdict_tables(frames, 20000, 0))
    assert table in readme, "the README's table differs from the records' (make verdict):\n" + table


@pytest.mark.slow
def test_verdict_decisions_do_not_move_with_the_bootstrap_seed():
    "The committed records' decision table is the same under bootstrap seeds 0 and 1."
    from grpo_nb.verdict import read_records, verdict_tables
    frames = read_records(RECORDS)
    tables = [[(r["measure"], r["arm"], r["decision"])
               for r in verdict_tables(frames, 20000, s)["decisions"]] for s in (0, 1)]
    assert tables[0] == tables[1], [(a, b) for a, b in zip(*tables) if a != b]

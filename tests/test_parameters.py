"""Bad and misspelt parameters stop each notebook in its first cells, naming the parameter, with
no run folder written (each notebook's kernel in parallel, one per core; one test each)."""
import time

import pytest

from tests.conftest import data_path
from tests.helpers import BIN, OUT, PARAMETERISED, ROOT, fresh, in_parallel, sh

BAD = {   # notebook, papermill parameters, the message it must stop with
    "gripo": (["-p", "eta", "-1"], "eta must be >= 0, got -1"),
    "ipo": (["-y", "countries: [Japn]"], "unknown country 'Japn'"),
    "fig_synthetic": (["-p", "scenario", "iv"], "scenario 'iv' is not 'all' or one of"),
    "sweep": (["-y", "etas: [0.01, -1]"], "etas must be a non-empty list of numbers > 0"),
    "fig_goqa": (["-p", "sweep_dir", "/no/such/sweep"], "sweep folder /no/such/sweep not found"),
    "crossfit": (["-p", "folds", "1"], "folds must be an integer >= 2, got 1"),
    "verdict": (["-p", "records_dir", "/no/such/records"], "holds no cross-fit records"),
}
NEEDS_DATA = ("gripo", "ipo", "sweep", "crossfit")   # their bad-parameter run reads the data


def output_parameter(nb: str) -> str:
    "The parameter naming the folder a notebook writes first."
    return "records_dir" if nb == "crossfit" else "out_dir"


@pytest.fixture(scope="module")
def bad_runs():
    "Every notebook run with its bad parameter (those that read the data only when it is here)."
    out, data = fresh(OUT / "bad"), data_path()
    def run(nb):
        extra = (["-p", "data", data] if nb in NEEDS_DATA else []) + [
            "-p", output_parameter(nb), str(out / nb)]
        return sh([BIN / "papermill", "--cwd", "nbs", f"nbs/{nb}.ipynb", out / f"{nb}.ipynb"]
                  + extra + BAD[nb][0])
    return out, in_parallel(run, [nb for nb in BAD if data or nb not in NEEDS_DATA])


@pytest.mark.slow
@pytest.mark.parametrize("nb", BAD)
def test_bad_parameter(nb, bad_runs):
    out, runs = bad_runs
    if nb not in runs: pytest.skip("reads the GlobalOpinionQA CSV, which is not here")
    r, msg = runs[nb], BAD[nb][1]
    assert r.returncode != 0 and msg in r.stdout + r.stderr, r.stderr[-3000:]
    assert not (out / nb).exists(), "a run folder was written"


@pytest.fixture(scope="module")
def misspelt_runs():
    "Every parameterised notebook given its first parameter misspelt (`datax`), timed."
    from grpo_nb.params import parameter_names
    out = fresh(OUT / "misspelt")
    def run(nb):
        wrong = next(n for n in parameter_names(ROOT / "nbs" / f"{nb}.ipynb") if n != "out_dir") + "x"
        start = time.time()
        r = sh([BIN / "papermill", "--cwd", "nbs", f"nbs/{nb}.ipynb", out / f"{nb}.ipynb",
                "-p", output_parameter(nb), str(out / nb), "-p", wrong, "1"], timeout=120)
        return wrong, r, time.time() - start
    return out, in_parallel(run, PARAMETERISED)


@pytest.mark.slow
@pytest.mark.parametrize("nb", PARAMETERISED)
def test_misspelt_parameter(nb, misspelt_runs):
    "The notebook stops within a minute, naming the parameter it does not take."
    out, runs = misspelt_runs
    wrong, r, took = runs[nb]
    assert r.returncode != 0 and f"{nb}.ipynb does not take {wrong!r}" in r.stdout + r.stderr, (
        r.stderr[-3000:])
    assert took < 60, f"took {took:.0f} s"
    assert not (out / nb).exists(), "a run folder was written"

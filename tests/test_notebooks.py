"Every notebook's own tests (nbdev_test, `slow` cells included): one pytest test per notebook."
import pytest

from tests import checks

NOTEBOOKS = sorted(p.name for p in (checks.ROOT / "nbs").glob("*.ipynb"))


@pytest.fixture(scope="session")
def nbdev_results():
    "One nbdev_test run over nbs/ (parallel, as `nbdev_test` alone runs it), read per notebook."
    return checks.notebook_tests("slow")


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook(notebook, nbdev_results):
    status, errors = nbdev_results
    if status[notebook] == "not run": pytest.skip(f"{notebook} is skip_exec (papermill runs it in test_checks)")
    assert status[notebook] == "passed", errors[-6000:]

"Every notebook's own tests (nbdev_test): one pytest test per notebook."
import pytest

from tests.helpers import ROOT, notebook_tests

NOTEBOOKS = sorted(p.name for p in (ROOT / "nbs").glob("*.ipynb"))


def notebook_result(results, notebook):
    status, errors = results
    if status[notebook] == "not run": pytest.skip(f"{notebook} is skip_exec (papermill runs it)")
    assert status[notebook] == "passed", errors[-6000:]


@pytest.fixture(scope="session")
def all_cells():
    "One nbdev_test run over nbs/ with the `slow` cells (parallel, as `nbdev_test` runs it)."
    return notebook_tests("slow")


@pytest.fixture(scope="session")
def fast_cells():
    "One nbdev_test run over nbs/ without the `slow` cells: the edit-test loop's tier."
    return notebook_tests("")


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook(notebook, all_cells):
    notebook_result(all_cells, notebook)


@pytest.mark.fast
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_fast(notebook, fast_cells):
    notebook_result(fast_cells, notebook)

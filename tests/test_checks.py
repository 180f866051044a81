"The checks beyond each notebook's own tests (tests/checks.py), in the order `make test` has always run them."
import pytest

from tests import checks


def all_passed(results: dict[str, bool]) -> None:
    failed = [name for name, ok in results.items() if not ok]
    assert not failed, f"failed: {failed} (the output above says why)"


def test_sync():
    "nbdev_export and nbdev_clean change nothing: the modules are the notebooks' export, the notebooks clean."
    assert checks.check_sync()


def test_library_style():
    "grpo_nb/ as ruff.toml says (lines <= 100 columns, no `;` chains, ...), no module over 300 lines."
    all_passed(checks.library_style())


def test_front_matter():
    assert checks.front_matter()


@pytest.mark.slow
def test_figure_notebooks():
    all_passed(checks.figure_notebooks())


@pytest.mark.slow
def test_docs_site():
    all_passed(checks.docs_site())


@pytest.mark.slow
def test_bad_parameters(optional_data):
    "Bad parameters stop each notebook with its message (those of the data's notebooks when the data is here)."
    all_passed(checks.bad_parameters(optional_data))


@pytest.mark.slow
def test_misspelt_parameters():
    all_passed(checks.misspelt_parameters())


def test_papermill_reads_every_parameter():
    assert checks.papermill_reads_parameters()


def test_readme_verdict_is_the_records():
    "The README's verdict table is what the committed records in results/ give."
    assert checks.readme_verdict()


def test_verdict_decisions_do_not_move_with_the_bootstrap_seed():
    "The committed records' decision table is the same under two bootstrap seeds."
    assert checks.verdict_seed_stable()


@pytest.mark.slow
def test_own_data():
    all_passed(checks.own_data())


@pytest.mark.slow
@pytest.mark.data
def test_study_notebooks(data_sample):
    "sft → ipo → gripo (its own SFT) → ipo resumed, on a tiny budget, on a quarter of the real data."
    all_passed(checks.study_notebooks(data_sample))


@pytest.mark.slow
@pytest.mark.data
def test_bench_notebook(data_sample):
    "The benchmark for one step, its stage on a quarter of the real data; without bf16; explicit bf16 refused."
    all_passed(checks.bench_notebook(data_sample))


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize("check", [checks.sweep_and_figures, checks.crossfit_and_verdict], ids=lambda c: c.__name__)
def test_with_data(check, data):
    "A sweep and a cross-fit (tiny model) on the whole real data file."
    all_passed(check(data))

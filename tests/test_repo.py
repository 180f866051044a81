"""The repository's own state: the modules are the notebooks' export and the notebooks are clean,
the library reads as ruff.toml says, every notebook's front matter parses, and papermill reads
every parameters cell whole."""
import io, json, logging, re

import pytest
import yaml

from tests.helpers import BIN, PARAMETERISED, ROOT, sh

NOTEBOOKS = sorted((ROOT / "nbs").glob("*.ipynb"))


def snapshot() -> dict:
    "Contents of the notebooks and exported modules."
    return {f: f.read_bytes() for d in ("nbs", "grpo_nb") for f in sorted((ROOT / d).rglob("*"))
            if f.is_file() and f.suffix in (".ipynb", ".py") and "__pycache__" not in f.parts
            and ".ipynb_checkpoints" not in f.parts}


def test_sync():
    """nbdev_export and nbdev_clean change no notebook or module: the modules are the notebooks'
    export, the notebooks committed clean (a failure leaves the files fixed, to review)."""
    before = snapshot()
    for tool in ("nbdev_export", "nbdev_clean"):
        r = sh([BIN / tool])
        assert r.returncode == 0, r.stdout + r.stderr
    after = snapshot()
    changed = sorted(str(f.relative_to(ROOT)) for f in before.keys() | after.keys()
                     if before.get(f) != after.get(f))
    assert not changed, (f"nbdev_export/nbdev_clean changed {changed}: the modules were stale or "
                         "the notebooks unclean; the files are fixed now, review and commit them")


def test_library_style():
    """grpo_nb/ as ruff.toml says (lines <= 100 columns, no `;` chains, no unused or undefined
    names), nbdev's generated `__all__` lines aside. A module's size follows its concept."""
    r = sh([BIN / "ruff", "check", "--output-format", "json", "--exit-zero", "."])
    found = json.loads(r.stdout or "[]")
    def all_rows(filename: str) -> range:  # the rows of the `__all__` nbdev writes (wrapped at 120)
        lines = open(filename).read().splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("__all__ = [")), None)
        if start is None: return range(0)
        end = next(i for i in range(start, len(lines)) if lines[i].rstrip().endswith("]"))
        return range(start + 1, end + 2)                                       # ruff's rows: 1-based
    generated = {f: all_rows(f) for f in {v["filename"] for v in found if v["code"] == "E501"}}
    kept = [f"{v['filename']}:{v['location']['row']}: {v['code']} {v['message']}" for v in found
            if not (v["code"] == "E501" and v["location"]["row"] in generated[v["filename"]])]
    assert r.returncode == 0 and not kept, "\n".join(kept) or r.stderr


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_front_matter(notebook):
    """The notebook opens with YAML front matter that parses; a papermill notebook (a 'parameters'
    cell) is skip_exec (nbdev_test would run it at full size)."""
    cells = json.loads(notebook.read_text())["cells"]
    assert cells and cells[0]["cell_type"] == "raw", "no front matter in a first raw cell"
    m = re.match(r"^---\s*\n(.*?)\n---", "".join(cells[0]["source"]), re.S)
    assert m, "the first raw cell is not --- front matter ---"
    front = yaml.safe_load(m.group(1))
    assert isinstance(front, dict), f"front matter is not a mapping: {front!r}"
    if any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells):
        assert front.get("skip_exec") is True, "has papermill parameters but no 'skip_exec: true'"


@pytest.mark.parametrize("nb", PARAMETERISED)
def test_papermill_reads_every_parameter(nb):
    "papermill's own reader (behind --help-notebook) takes every line of the parameters cell."
    import papermill as pm
    from grpo_nb.params import parameter_names
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    logging.getLogger("papermill").addHandler(handler)
    try: inferred = list(pm.inspect_notebook(str(ROOT / "nbs" / f"{nb}.ipynb")))
    finally: logging.getLogger("papermill").removeHandler(handler)
    assert inferred == parameter_names(ROOT / "nbs" / f"{nb}.ipynb"), buf.getvalue()
    assert "Unable to parse" not in buf.getvalue(), buf.getvalue()

#!/usr/bin/env python
"""Build the documentation site into _docs/ (`make docs`), offline, with Sphinx + MyST-NB (see docs/conf.py).

The site mirrors the repository: `index.ipynb` (from nbs/index.ipynb, also the README's source) at the top, the
notebooks under nbs/, the measurement and reference pages under docs/; so a relative link such as
`docs/throughput.md` or `nbs/00b_grouped.ipynb` works on GitHub and on the site alike. Each notebook page is the
notebook as nbdev shows it: front matter as title, `#| hide` cells dropped, `#| export` marks removed. Where an
executed copy exists under --executed (outputs/ after `make study`, `make figures`, ...), its outputs are shown,
altair charts as PNG (vl-convert, which the figures already use). The site is built in a temporary folder and
renamed into place; `--check` then verifies every page is there and no internal link or anchor is broken.

`--readme` writes README.md from nbs/index.ipynb (cells tagged `site-only` left out) with nbconvert instead.
"""
import argparse, base64, json, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path

import nbformat
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DIRECTIVE = re.compile(r"^#\|\s*(export|exporti|exports)\b.*$\n?", re.M)
SKIP = re.compile(r"^\s*#\|\s*(hide|default_exp)\b")
VEGA = re.compile(r"application/vnd\.vegalite\.v\d+[+.]json")


def _chart_spec(html: str) -> dict | None:
    "The vega-lite spec inside altair's HTML output (`vegaEmbed(...)` is called as `(function(...){...})(spec, opts)`)."
    at = html.find("})({")
    if "vegaEmbed" not in html or at < 0: return None
    try: spec, _ = json.JSONDecoder().raw_decode(html, at + 3)
    except ValueError: return None
    return spec if "$schema" in spec else None


def _png_of_charts(cell) -> None:
    """Give every altair chart output a PNG (drawn by vl-convert, as the figures are): a static page can run
    neither its vega-lite JSON nor the HTML that loads vega from a CDN."""
    import vl_convert
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        spec = next((data[m] for m in data if VEGA.fullmatch(m)), None) or _chart_spec("".join(data.get("text/html", "")))
        if spec is not None:
            out["data"] = {"image/png": base64.b64encode(vl_convert.vegalite_to_png(spec)).decode(), "text/plain": "chart"}


def page(nb):
    "A notebook as a site page: nbdev front matter → title and description, hidden cells dropped, export marks removed."
    cells, has_title = [], any(c.cell_type == "markdown" and c.source.lstrip().startswith("# ") for c in nb.cells[:3])
    for c in nb.cells:
        if c.cell_type == "raw" and c.source.lstrip().startswith("---"):
            meta = yaml.safe_load(c.source.strip().strip("-")) or {}
            if not has_title and meta.get("title"):
                text = f"# {meta['title']}" + (f"\n\n*{meta['description']}*" if meta.get("description") else "")
                cells.append(nbformat.v4.new_markdown_cell(text))
            continue
        if c.cell_type == "code":
            if SKIP.match(c.source): continue
            c.source = DIRECTIVE.sub("", c.source)
            _png_of_charts(c)
        cells.append(c)
    nb.cells = cells
    return nb


def stage(src: Path, executed: Path | None) -> list[str]:
    "Lay the site's sources out under `src`; the page names (without suffix)."
    pages = []
    for f in sorted((ROOT / "nbs").glob("*.ipynb")):
        run = executed / f.name if executed else None
        nb = nbformat.read(run if run and run.is_file() else f, as_version=4)
        name = "index" if f.stem == "index" else f"nbs/{f.stem}"
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(page(nb), src / f"{name}.ipynb")
        pages.append(name)
    for f in sorted((ROOT / "docs").glob("*.md")):
        (src / "docs").mkdir(exist_ok=True)
        shutil.copy(f, src / "docs" / f.name)
        pages.append(f"docs/{f.stem}")
    if (ROOT / "docs" / "figures").is_dir():              # committed figures (make verdict draws them from results/)
        shutil.copytree(ROOT / "docs" / "figures", src / "docs" / "figures")
    return pages


SPHINX_PROBLEM = re.compile(r"(^|: )(WARNING|ERROR|CRITICAL|SEVERE):")

def build(out: Path, executed: Path | None) -> list[str]:
    "Build the site into `out` (replaced only when the build succeeds); the page names."
    work = Path(tempfile.mkdtemp(prefix=".docs-", dir=out.parent))
    try:
        pages = stage(work / "src", executed)
        r = subprocess.run([str(BIN / "sphinx-build"), "-b", "html", "-q", "-c", str(ROOT / "docs"), str(work / "src"), str(work / "html")],
                           cwd=ROOT, text=True, capture_output=True)
        # sphinx's own warnings ("file:line: WARNING: …"), not a library's log lines while autodoc imports it
        # (offline, bitsandbytes' `kernels` logs "… WARNING kernels… Skipping publisher trust check")
        warnings = [l for l in r.stderr.splitlines() if SPHINX_PROBLEM.search(l)]
        for line in warnings: print(line, file=sys.stderr)
        if r.returncode or warnings: raise SystemExit(f"sphinx-build failed (exit {r.returncode}, {len(warnings)} warnings)\n{r.stderr[-3000:]}")
        old = out.with_name(f".{out.name}.old")
        if out.exists(): os.replace(out, old)
        os.replace(work / "html", out)
        shutil.rmtree(old, ignore_errors=True)
        return pages
    finally: shutil.rmtree(work, ignore_errors=True)


class _Links(HTMLParser):
    "The ids a page defines and the links it makes (href and src)."
    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"): self.ids.add(a["id"])
        for k in ("href", "src"):
            if a.get(k): self.links.append(a[k])


def check(out: Path, pages: list[str]) -> list[str]:
    """Problems of a built site: a page missing, or an internal link (href or src, with its #anchor) to no file or
    no element. External links are not followed. (linkchecker did this job in 5 min 25 s on 2 cores; this, in a second.)"""
    problems = [f"page {p}.html missing" for p in pages + ["genindex"] if not (out / f"{p}.html").is_file()]
    parsed = {}
    def parse(f: Path) -> _Links:
        if f not in parsed:
            parsed[f] = _Links()
            parsed[f].feed(f.read_text(encoding="utf-8"))
        return parsed[f]
    for page in sorted(out.rglob("*.html")):
        for link in parse(page).links:
            url = urlsplit(link)
            if url.scheme or url.netloc or link.startswith("//"): continue       # external: not followed
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if target.is_dir(): target = target / "index.html"
            if not target.is_file(): problems.append(f"{page.relative_to(out)}: broken link {link}")
            elif url.fragment and target.suffix == ".html" and unquote(url.fragment) not in parse(target).ids:
                problems.append(f"{page.relative_to(out)}: link {link} names no element #{url.fragment}")
    return problems


def readme(path: Path) -> str:
    "README.md's text from nbs/index.ipynb: its markdown without the front matter and the cells tagged site-only."
    from nbconvert import MarkdownExporter
    from traitlets.config import Config
    cfg = Config({"TagRemovePreprocessor": {"enabled": True, "remove_cell_tags": ["site-only"]}})
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]
    body, _ = MarkdownExporter(config=cfg, exclude_input=True).from_notebook_node(nb)
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=str(ROOT / "_docs"), help="the site's folder (default: _docs)")
    p.add_argument("--executed", default=str(ROOT / "outputs"), help="folder of executed notebooks whose outputs to show")
    p.add_argument("--check", action="store_true", help="then check the pages and internal links")
    p.add_argument("--readme", action="store_true", help="only write README.md from nbs/index.ipynb")
    a = p.parse_args()
    if a.readme:
        (ROOT / "README.md").write_text(readme(ROOT / "nbs" / "index.ipynb"))
        return
    out = Path(a.out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    pages = build(out, Path(a.executed) if a.executed else None)
    print(f"{len(pages)} pages → {out / 'index.html'}")
    if a.check:
        problems = check(out, pages)
        for line in problems: print(line, file=sys.stderr)
        if problems: sys.exit(1)
        print("every page built; no broken internal link")


if __name__ == "__main__": main()

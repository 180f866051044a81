#!/usr/bin/env python
"""Trace the path from gripo.ipynb's parameters to the first optimiser step.

Runs the notebook's code cells in this process (the parameters cell, then `overrides` the way
papermill injects them) on a tiny random Llama and a toy CSV, counts every call of a grpo_nb
function (sys.setprofile) until the first optimiser step, and prints the modules entered, the
distinct functions called, and how often the data was loaded, the config validated and the
objective looked up / built. `python tools/trace_path.py` (the SFT run it starts from is trained
first, untraced)."""
import collections, json, sys, tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
PKG = str(ROOT / "grpo_nb")
WATCH = ("load_pairs", "validate", "objective_entry", "make_objective", "build", "prepare")
"The functions counted by name (their module and class shown); objectives' constructors too."


class FirstStep(Exception):
    "Raised by the first optimiser step: the trace ends there."


def code_cells(nb: str) -> tuple[str, list[str]]:
    "The `parameters` cell and the code cells after it, up to the first markdown cell."
    cells = json.loads((ROOT / "nbs" / nb).read_text())["cells"]
    i = next(i for i, c in enumerate(cells) if "parameters" in c["metadata"].get("tags", []))
    rest = []
    for c in cells[i + 1:]:
        if c["cell_type"] == "markdown" and rest: break
        if c["cell_type"] == "code": rest.append("".join(c["source"]))
    return "".join(cells[i]["source"]), rest


def run_notebook(nb: str, overrides: dict, profile=None) -> None:
    params, cells = code_cells(nb)
    ns = {"__name__": "__main__"}
    exec(params, ns)
    exec("# Parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in overrides.items()), ns)
    if profile: sys.setprofile(profile)
    try:
        for src in cells: exec(src, ns)
    finally: sys.setprofile(None)


def main() -> None:
    from grpo_nb.testing import tiny_model, toy_csv
    work = Path(tempfile.mkdtemp(prefix="trace-"))
    common = dict(model=tiny_model(work / "tiny"), data=toy_csv(12, work / "toy.csv"),
                  countries=["Japan", "Egypt"], wandb=False, eval_every=1000, batch_size=2,
                  grad_accum=1)
    run_notebook("sft.ipynb", {**common, "out_dir": str(work / "sft"), "max_steps": 1})
    calls = collections.Counter()
    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(PKG):
            calls[(Path(frame.f_code.co_filename).stem, frame.f_code.co_qualname)] += 1
    def first_step(self, *a, **k): raise FirstStep
    for opt in (torch.optim.AdamW, torch.optim.RMSprop): opt.step = first_step
    try:
        run_notebook("gripo.ipynb", {**common, "sft_dir": str(work / "sft"),
                                     "out_dir": str(work / "gripo"), "max_steps": 1}, profile)
    except FirstStep: pass
    else: raise SystemExit("the run never reached an optimiser step")
    modules = sorted({m for m, _ in calls})
    print(f"modules entered: {len(modules)} of "
          f"{len([p for p in Path(PKG).glob('*.py') if not p.stem.startswith('_')])}: "
          + ", ".join(modules))
    print(f"distinct functions called: {len(calls)}")
    for name in WATCH:
        hits = {f"{m}.{q}": n for (m, q), n in calls.items() if q.split(".")[-1] == name}
        print(f"  {name}: {sum(hits.values())} call(s) {hits if hits else ''}")
    built = {f"{m}.{q}": n for (m, q), n in calls.items()
             if m == "objectives" and q.endswith("__init__")}
    print(f"  objectives constructed: {built}")


if __name__ == "__main__":
    main()

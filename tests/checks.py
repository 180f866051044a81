#!/usr/bin/env python
"""The checks of `make test` beyond each notebook's own tests, one function per check or group of
checks (each returns True or a dict name → passed); `tests/test_checks.py` runs them under pytest.

(1) the exported modules equal what the notebooks export and the notebooks are clean, and every
notebook's front matter parses (papermill notebooks are skip_exec), (2) `nbdev_test` over nbs/
(`tests/test_notebooks.py`: one test per notebook, `slow` cells included), (3) the study
notebooks sft → ipo → gripo executed by papermill on a tiny budget, when the data is present,
each free of warnings and of per-step progress lines, (4) the synthetic figure notebook executed
by papermill with few seeds and iterations (no data needed), (5) bad parameters given to the
notebooks through papermill, a misspelt parameter given to each parameterised notebook, and
every parameters cell read whole by papermill, (6) the throughput benchmark for one step (no TRL
rows), (7) a tiny sweep (run twice: the second skips finished runs) and the GlobalOpinionQA
figures drawn from it, (8) a tiny cross-fit (run twice: the second trains nothing) and
verdict.ipynb on its records reproducing the run's table, and the README's verdict table
recomputed from the committed records, (9) your own grouped data (a conversational JSONL)
through the command line, a tiny sweep (SFT, IPO, GR-IPO notebooks) and fig_goqa, (10) the
documentation site (every page, no broken internal link) and README.md equal to
nbs/index.ipynb's export.
"""
import json, os, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def sh(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    "Run `cmd` in the repo root, echoing it; output is captured and returned as text."
    print("$", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, **kw)


def _snapshot() -> dict[Path, bytes]:
    "Contents of the notebooks and exported modules."
    return {f: f.read_bytes() for d in ("nbs", "grpo_nb") for f in sorted((ROOT / d).rglob("*")) if f.is_file()
            and f.suffix in (".ipynb", ".py") and "__pycache__" not in f.parts and ".ipynb_checkpoints" not in f.parts}


def check_sync() -> bool:
    "True when nbdev_export and nbdev_clean change no notebook or module (they were in sync and clean)."
    before = _snapshot()
    for tool in ("nbdev_export", "nbdev_clean"):
        r = sh([str(BIN / tool)])
        if r.returncode: print(r.stdout, r.stderr, file=sys.stderr); return False
    after = _snapshot()
    changed = sorted(str(f.relative_to(ROOT)) for f in before.keys() | after.keys() if before.get(f) != after.get(f))
    if changed:
        print("check-sync: nbdev_export/nbdev_clean changed " + ", ".join(changed) +
              ": the modules were stale or the notebooks unclean; the files are fixed now, review and commit them.", file=sys.stderr)
    return not changed


def library_style() -> dict[str, bool]:
    """The library as ruff.toml says (ruff: lines <= 100 columns, no `;` chains, no unused or
    undefined names), nbdev's generated `__all__` lines aside. (A module's size follows its concept:
    the 300-line cap that once cut loop.py in two is gone.)"""
    r = sh([str(BIN / "ruff"), "check", "--output-format", "json", "--exit-zero", "."])
    found = json.loads(r.stdout or "[]")
    def all_rows(filename: str) -> range:  # the rows of the `__all__` nbdev writes (wrapped at 120)
        lines = Path(filename).read_text().splitlines()
        start = next((i for i, l in enumerate(lines) if l.startswith("__all__ = [")), None)
        if start is None: return range(0)
        end = next(i for i in range(start, len(lines)) if lines[i].rstrip().endswith("]"))
        return range(start + 1, end + 2)                                          # ruff's rows: 1-based
    generated = {f: all_rows(f) for f in {v["filename"] for v in found if v["code"] == "E501"}}
    kept = [v for v in found
            if not (v["code"] == "E501" and v["location"]["row"] in generated[v["filename"]])]
    for v in kept:
        print(f"{Path(v['filename']).relative_to(ROOT)}:{v['location']['row']}: {v['code']} "
              f"{v['message']}", file=sys.stderr)
    return {"ruff": r.returncode == 0 and not kept}


def front_matter() -> bool:
    "Every notebook opens with YAML front matter that parses; every papermill notebook (a 'parameters' cell) is skip_exec."
    import json, re, yaml
    ok = True
    for f in sorted((ROOT / "nbs").glob("*.ipynb")):
        cells = json.loads(f.read_text())["cells"]
        m = re.match(r"^---\s*\n(.*?)\n---", "".join(cells[0]["source"]), re.S) if cells and cells[0]["cell_type"] == "raw" else None
        try: fm = yaml.safe_load(m.group(1)) if m else None
        except yaml.YAMLError as e: fm = None; print(f"{f.name}: front matter is not valid YAML ({str(e).splitlines()[0]})", file=sys.stderr)
        if not isinstance(fm, dict): print(f"{f.name}: no front matter in a first raw cell", file=sys.stderr); ok = False; continue
        papermill_nb = any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells)
        if papermill_nb and fm.get("skip_exec") is not True:
            print(f"{f.name}: has papermill parameters but no 'skip_exec: true' (nbdev_test would run it at full size)", file=sys.stderr); ok = False
    return ok


def notebook_tests(flags: str) -> tuple[dict[str, str], str]:
    """Run nbdev_test over nbs/ once (its own parallel workers); each notebook's result ('passed',
    'failed' or 'not run': skip_exec) and nbdev_test's error output."""
    # nbdev_test runs one notebook per core (at most 8), and torch in each would start a thread
    # per core: on 2 cores, 2 notebooks × 2 threads spin against each other (6 min 8 s for all the
    # notebooks so, 3 min 21 s with one thread each; AMD EPYC, 2 cores). Each gets its share.
    cores = len(os.sched_getaffinity(0))
    workers = min(cores, 8)
    share = str(max(1, cores // workers))
    r = sh([str(BIN / "nbdev_test"), "--do_print", "--timing", "--flags", flags, "--n_workers", str(workers)],
           env={**os.environ, "OMP_NUM_THREADS": share, "MKL_NUM_THREADS": share})
    sys.stdout.write(r.stdout)
    started = {Path(l.split(" ", 1)[1]).name for l in r.stdout.splitlines() if l.startswith("Starting ")}
    failed = set()
    if "nbdev Tests Failed On The Following Notebooks" in r.stderr:
        tail = r.stderr.split("nbdev Tests Failed On The Following Notebooks", 1)[1]
        failed = {Path(l.strip()).name for l in tail.splitlines() if l.startswith("\t")}
    if r.returncode and not failed: failed = set(started)       # the runner itself broke: never report green
    status = {f.name: "failed" if f.name in failed else "passed" if f.name in started else "not run"
              for f in sorted((ROOT / "nbs").glob("*.ipynb"))}
    return status, r.stderr


STUDY_TINY = {"max_steps": 2, "eval_every": 16, "batch_size": 4, "wandb": False, "overwrite": True}
TINY_COUNTRIES = ["-y", "countries: [China, Nigeria]"]


def pm_params(params: dict) -> list[str]:
    "papermill `-p name value` arguments."
    return [a for k, v in params.items() for a in ("-p", k, str(v))]


def study_notebooks(data: str) -> dict[str, bool]:
    "Execute sft → ipo → gripo with papermill on a tiny budget, as a user runs them (gripo trains its own SFT)."
    out = ROOT / "outputs" / "test"; out.mkdir(parents=True, exist_ok=True)
    runs = out / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    plan = {"sft": ["-p", "out_dir", str(runs / "sft")],
            "ipo": ["-p", "out_dir", str(runs / "ipo"), "-p", "sft_dir", str(runs / "sft")],
            "gripo": ["-p", "out_dir", str(runs / "gripo"), "-p", "sft_dir", str(runs / "sft_for_gripo"), "-p", "eta", "0.01"]}
    results = {}
    for nb, extra in plan.items():
        results[f"study {nb}"] = papermill(nb, out / f"{nb}.ipynb", ["-p", "data", data] + pm_params(STUDY_TINY) + TINY_COUNTRIES + extra)
        results[f"study {nb} runs clean"] = results[f"study {nb}"] and runs_clean(out / f"{nb}.ipynb")
    results["study resume"] = results["study ipo"] and resume_ipo(data, runs, out)
    return results


def runs_clean(executed: Path, most_progress_lines: int = 10) -> bool:
    "An executed study notebook shows no warning, at most `most_progress_lines` progress-bar lines per stage, and its phase profile."
    import json, re
    texts = []
    for c in json.loads(executed.read_text())["cells"]:
        for o in c.get("outputs", []):
            texts.append("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", "")))
    lines = [l for t in texts for l in re.split(r"[\r\n]", t) if l.strip()]
    warned = [l for l in lines if "Warning" in l or l.startswith("WARNING")]
    bars = [l for l in lines if re.search(r"\d+%\|", l)]
    stages = max(1, sum("finished in" in l for l in lines))
    profiled = any(l.startswith("phase profile of") for l in lines)             # each stage prints where its time went
    if warned or len(bars) > most_progress_lines * stages or not profiled:
        print(f"{executed.name}: {len(warned)} warning lines {warned[:3]}, {len(bars)} progress lines for {stages} stage(s), "
              f"phase profile printed: {profiled}", file=sys.stderr)
    return not warned and len(bars) <= most_progress_lines * stages and profiled


def resume_ipo(data: str, runs: Path, out: Path) -> bool:
    "Make the tiny IPO run unfinished (as after a kill past its last checkpoint), re-run the notebook with resume: it continues to step 3."
    run = runs / "ipo"
    (run / "done.json").unlink(); shutil.rmtree(run / "final")
    first = [l for l in (run / "log.jsonl").read_text().splitlines() if '"loss/train"' in l]
    params = {**STUDY_TINY, "data": data, "out_dir": run, "sft_dir": runs / "sft", "overwrite": False, "resume": True, "max_steps": 3}
    ok = papermill("ipo", out / "ipo_resumed.ipynb", pm_params(params) + TINY_COUNTRIES)
    steps = [l for l in (run / "log.jsonl").read_text().splitlines() if '"loss/train"' in l]
    if ok and not (len(steps) == 3 and steps[:2] == first and (run / "done.json").is_file()):
        print(f"study resume: expected the 2 logged steps kept and a third added, got {len(steps)}", file=sys.stderr); return False
    return ok


def sweep_and_figures(data: str) -> dict[str, bool]:
    "A tiny sweep (tiny random model, 2 seeds × {IPO, GR-IPO}), run twice (the second run skips every finished run), then fig_goqa on it."
    import json
    from grpo_nb.testing import tiny_model
    out = ROOT / "outputs" / "test" / "sweep"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    stage = {"max_steps": 2, "batch_size": 4, "eval_every": 8, "wandb": False}
    args = ["-y", "seeds: [0, 1]", "-y", "etas: [0.01]", "-y", f"stage_params: {json.dumps(stage)}", "-p", "out_dir", str(out / "runs"),
            "-p", "model", tiny_model(out / "tiny-model"), "-p", "data", data] + TINY_COUNTRIES
    results = {"sweep": papermill("sweep", out / "sweep.ipynb", args)}
    logs = sorted((out / "runs").rglob("log.jsonl"))
    before = {p: p.read_bytes() for p in logs}
    again = papermill("sweep", out / "sweep_again.ipynb", args)
    results["sweep skips finished runs"] = again and len(logs) == 6 and all(p.read_bytes() == b for p, b in before.items())
    results["figures goqa"] = results["sweep"] and papermill("fig_goqa", out / "fig_goqa.ipynb", ["-p", "sweep_dir", str(out / "runs"),
                                                                                                 "-p", "out_dir", str(out / "figures")])
    return results


def _markdown_outputs(executed: Path) -> list[str]:
    "The markdown outputs of an executed notebook, in order."
    import json
    cells = json.loads(executed.read_text())["cells"]
    return ["".join(o["data"]["text/markdown"]) for c in cells for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]


def crossfit_and_verdict(data: str) -> dict[str, bool]:
    """A tiny cross-fit (tiny random model, 2 countries, 2 folds, three arms of 2 seeds, 2 scored checkpoints), run twice
    (the second trains nothing and leaves every record untouched), then `verdict.ipynb` on its records reproducing the
    run's table; then the same verdict on a damaged copy stops naming the fold, run and file, with nothing written."""
    import json
    from grpo_nb.testing import tiny_model
    out = ROOT / "outputs" / "test" / "crossfit"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    stage = {"max_steps": 2, "batch_size": 4, "wandb": False}
    arms = [{"name": "ipo", "objective": "ipo", "params": {}, "seeds": [0, 1]},
            {"name": "gr-ipo", "objective": "gr-ipo", "params": {"eta": "auto"}, "seeds": [0, 1]},
            {"name": "gr-ipo-big", "objective": "gr-ipo", "params": {"eta": 1e-3}, "seeds": [0, 1]}]
    args = ["-p", "folds", "2", "-p", "checkpoints", "2", "-p", "n_boot", "200", "-y", f"stage_params: {json.dumps(stage)}",
            "-y", f"arms: {json.dumps(arms)}",
            "-p", "work_dir", str(out / "runs"), "-p", "records_dir", str(out / "records"),
            "-p", "model", tiny_model(out / "tiny-model"), "-p", "data", data] + TINY_COUNTRIES
    results = {"crossfit": papermill("crossfit", out / "crossfit.ipynb", args)}
    written = sorted(p for p in (out / "runs").rglob("*") if p.name in ("log.jsonl", "done.json") or p.suffix == ".parquet")
    written += sorted(p for p in (out / "records").rglob("*") if p.is_file())
    before = {p: p.read_bytes() for p in written}
    again = papermill("crossfit", out / "crossfit_again.ipynb", args)
    same = len([p for p in written if p.name == "done.json" and "runs" in p.parts]) == 14 and all(
        p.read_bytes() == b for p, b in before.items())
    if again and not same: print(f"crossfit again: expected 14 runs and their records untouched, changed: "
                                 f"{[str(p) for p, b in before.items() if p.read_bytes() != b]}", file=sys.stderr)
    results["crossfit skips finished runs"] = again and same
    verdict = results["crossfit"] and papermill("verdict", out / "verdict.ipynb", [
        "-p", "records_dir", str(out / "records"), "-p", "out_dir", str(out / "figures"), "-p", "n_boot", "200"])
    printed = [t for t in _markdown_outputs(out / "crossfit.ipynb") if t.startswith("| measure")] if verdict else []
    redrawn = [t for t in _markdown_outputs(out / "verdict.ipynb") if t.startswith("| measure")] if verdict else []
    reproduced = verdict and len(printed) == 1 and printed == redrawn and all(
        (out / "figures" / f"goqa_verdict_{f}.png").is_file() for f in ("frontier", "countries", "curves", "weights"))
    if verdict and not reproduced: print(f"verdict: the run printed {printed}, verdict.ipynb {redrawn}", file=sys.stderr)
    results["verdict from the records reproduces the run's table"] = reproduced
    damaged = out / "damaged"
    shutil.copytree(out / "records", damaged)
    (damaged / "fold1" / "gripobig_seed1" / "done.json").unlink()
    refused = not papermill("verdict", out / "verdict_damaged.ipynb", [
        "-p", "records_dir", str(damaged), "-p", "out_dir", str(out / "figures_damaged"), "-p", "n_boot", "200"])
    said = "fold 1, run gripobig_seed1, file done.json: missing: the run did not finish" in (
        out / "verdict_damaged.ipynb").read_text()
    results["a damaged record stops the verdict, named, nothing written"] = refused and said and not (
        out / "figures_damaged").exists()
    return results


def readme_verdict() -> bool:
    """The README's verdict table is what the committed records give (recomputed with the verdict's own settings, 20,000
    draws at seed 0; arms still pending are not in it); without every fold recorded, the README carries no table."""
    from grpo_nb.report import verdict_markdown
    from grpo_nb.verdict import read_records, verdict_tables
    records, readme = ROOT / "results" / "goqa_crossfit", (ROOT / "README.md").read_text()
    carries = "| measure (worst country) |" in readme
    try: frames = read_records(records)
    except (FileNotFoundError, ValueError) as e:
        print(f"README verdict: {e}; the README {'carries a table (wrong)' if carries else 'carries no table (right)'}")
        return not carries
    table = verdict_markdown(verdict_tables(frames, 20000, 0))
    if table not in readme: print("README verdict: its table differs from the records' (make verdict prints it):\n" + table,
                                  file=sys.stderr)
    return table in readme


def verdict_seed_stable() -> bool:
    """The committed records' decision table is the same under bootstrap seeds 0 and 1 (the verdict's 20,000 draws
    each): no decision rests on the bootstrap's seed."""
    from grpo_nb.verdict import read_records, verdict_tables
    frames = read_records(ROOT / "results" / "goqa_crossfit")
    tables = [[(r["measure"], r["arm"], r["decision"]) for r in verdict_tables(frames, 20000, s)["decisions"]]
              for s in (0, 1)]
    if tables[0] != tables[1]:
        print("decisions that move with the bootstrap seed:", [(a, b) for a, b in zip(*tables) if a != b], file=sys.stderr)
    return tables[0] == tables[1]


BAD_PARAMETERS = {   # notebook, papermill parameters, the message it must stop with
    "gripo": (["-p", "eta", "-1"], "eta must be >= 0, got -1"),
    "ipo": (["-y", "countries: [Japn]"], "unknown country 'Japn'"),
    "fig_synthetic": (["-p", "scenario", "iv"], "scenario 'iv' is not 'all' or one of"),
    "sweep": (["-y", "etas: [0.01, -1]"], "etas must be a non-empty list of numbers > 0"),
    "fig_goqa": (["-p", "sweep_dir", "/no/such/sweep"], "sweep folder /no/such/sweep not found"),
    "crossfit": (["-p", "folds", "1"], "folds must be an integer >= 2, got 1"),
    "verdict": (["-p", "records_dir", "/no/such/records"], "holds no cross-fit records"),
}


NEEDS_DATA = ("gripo", "ipo", "sweep", "crossfit")   # the notebooks whose bad-parameter run reads the data


def output_parameter(nb: str) -> str:
    "The parameter naming the folder a notebook writes first: `records_dir` for the cross-fit, else `out_dir`."
    return "records_dir" if nb == "crossfit" else "out_dir"


def side_by_side(check, items: list) -> dict[str, bool]:
    """`check(item)` → (name, passed) for every item, one item per core at a time: for checks that
    each start a notebook kernel that stops in its first cells (seconds of imports, one core each)."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool:
        return dict(pool.map(check, items))


def bad_parameters(data: str) -> dict[str, bool]:
    "Each notebook given a bad parameter fails in its first cells with the expected message (and writes no run folder)."
    out = ROOT / "outputs" / "test" / "bad"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    def check(nb: str) -> tuple[str, bool]:
        params, msg = BAD_PARAMETERS[nb]
        extra = (["-p", "data", data] if nb in NEEDS_DATA else []) + ["-p", output_parameter(nb), str(out / nb)]
        r = sh([str(BIN / "papermill"), "--cwd", "nbs", f"nbs/{nb}.ipynb", str(out / f"{nb}.ipynb")] + extra + params)
        ok = r.returncode != 0 and msg in r.stdout + r.stderr and not (out / nb).exists()
        if not ok: sys.stderr.write(f"bad parameter {params} of {nb}: expected a failure with {msg!r}\n" + r.stderr[-3000:])
        return f"bad parameter {nb}", ok
    return side_by_side(check, [nb for nb in BAD_PARAMETERS if data or nb not in NEEDS_DATA])


PARAMETERISED = ["bench_throughput", "crossfit", "fig_goqa", "fig_synthetic", "gripo", "ipo", "sft", "sweep", "verdict"]


def misspelt_parameters() -> dict[str, bool]:
    "Each parameterised notebook given a misspelt parameter stops within a minute, naming it, with no run folder written."
    import time
    from grpo_nb.params import parameter_names
    out = ROOT / "outputs" / "test" / "misspelt"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    def check(nb: str) -> tuple[str, bool]:
        wrong = next(n for n in parameter_names(ROOT / "nbs" / f"{nb}.ipynb") if n != "out_dir") + "x"   # e.g. datax
        t = time.time()
        r = sh([str(BIN / "papermill"), "--cwd", "nbs", f"nbs/{nb}.ipynb", str(out / f"{nb}.ipynb"),
                "-p", output_parameter(nb), str(out / nb), "-p", wrong, "1"], timeout=120)
        took = time.time() - t
        ok = r.returncode != 0 and f"{nb}.ipynb does not take {wrong!r}" in r.stdout + r.stderr and took < 60 and not (out / nb).exists()
        if not ok: sys.stderr.write(f"misspelt parameter {wrong!r} of {nb}: expected a stop within 60 s naming it ({took:.0f} s)\n"
                                    + r.stderr[-3000:])
        return f"misspelt parameter {nb}", ok
    return side_by_side(check, PARAMETERISED)


def papermill_reads_parameters() -> bool:
    "papermill's own reader (behind --help-notebook) takes every line of every parameters cell: no 'Unable to parse'."
    import io, logging
    import papermill as pm
    from grpo_nb.params import parameter_names
    ok, buf = True, io.StringIO()
    handler = logging.StreamHandler(buf)
    logging.getLogger("papermill").addHandler(handler)
    try:
        for nb in PARAMETERISED:
            path = ROOT / "nbs" / f"{nb}.ipynb"
            inferred, before = list(pm.inspect_notebook(str(path))), buf.tell()
            if inferred != parameter_names(path) or "Unable to parse" in buf.getvalue():
                print(f"{nb}: papermill reads {inferred}, the cell assigns {parameter_names(path)}; {buf.getvalue()[before:]}", file=sys.stderr)
                ok = False
    finally: logging.getLogger("papermill").removeHandler(handler)
    return ok


def papermill(nb: str, out: Path, params: list[str], env: dict | None = None) -> bool:
    "Execute nbs/`nb`.ipynb into `out` with papermill; False (with the tail of its output) if it fails or ignores a parameter."
    import os
    r = sh([str(BIN / "papermill"), "--cwd", "nbs", f"nbs/{nb}.ipynb", str(out)] + params, env={**os.environ, **(env or {})})
    unknown = "Passed unknown parameter" in r.stdout + r.stderr   # papermill only warns: the notebook lost its parameters tag
    if r.returncode or unknown: sys.stderr.write(r.stdout[-3000:] + r.stderr[-6000:])
    if unknown: print(f"{nb}: papermill found no 'parameters' cell to take the parameters", file=sys.stderr)
    return r.returncode == 0 and not unknown


def figure_notebooks() -> dict[str, bool]:
    "Execute the synthetic figure notebook on a small budget (3 seeds, 300 DPO iterations): every figure, every code path."
    out = ROOT / "outputs" / "test"; out.mkdir(parents=True, exist_ok=True)
    return {"figures synthetic": papermill("fig_synthetic", out / "fig_synthetic.ipynb",
                                           ["-p", "seeds", "3", "-p", "dpo_iters", "300", "-p", "out_dir", str(out / "figures")])}


def bench_notebook(data: str) -> dict[str, bool]:
    """The throughput benchmark for one timed step of 4 pairs of the rows that need no TRL (a bench-only extra), with
    its default precisions (bf16 too where the CPU has it); then on a CPU made to report no bf16 and with a budget
    no plan meets: fp32 rows, a line saying why bf16 was skipped, the plan shrunk and said so; and an explicit
    bf16 that stops."""
    import os
    out = ROOT / "outputs" / "test"; out.mkdir(parents=True, exist_ok=True)
    tiny = ["-p", "data", data, "-p", "steps", "1", "-p", "warmup", "1", "-p", "profile", "False", "-p", "batch_size", "4"]
    results = {"bench throughput": papermill("bench_throughput", out / "bench_throughput.ipynb", tiny + [
        "-y", "methods: [two_sequence, grpo_nb, ideal]", "-p", "forward_pairs", "8", "-p", "stage_steps", "1",
        "-p", "out_dir", str(out / "bench")])}
    no_bf16 = {"GRPO_NB_CPU_FLAGS": "fpu sse2 avx avx2 fma"}                     # an AVX2-only CPU
    # and a budget no plan meets: the estimate shrinks the plan (the stage goes) and says so
    shutil.rmtree(out / "bench_no_bf16", ignore_errors=True)
    ran = papermill("bench_throughput", out / "bench_no_bf16.ipynb", tiny + [
        "-y", "methods: [grpo_nb]", "-p", "forward_pairs", "0", "-p", "stage_steps", "1", "-p", "budget_minutes", "0.0001",
        "-p", "out_dir", str(out / "bench_no_bf16")], env=no_bf16)
    md = (out / "bench_no_bf16" / "throughput.md").read_text() if ran else ""
    printed = "".join("".join(o.get("text", "")) for c in json.loads((out / "bench_no_bf16.ipynb").read_text())["cells"]
                      for o in c.get("outputs", [])) if ran else ""
    results["bench: the run time estimated first, the plan shrunk to the budget"] = (
        "estimated run time here:" in printed and "shrunk to fit budget_minutes 0.0001: stage_steps 1 → 0" in printed
        and "still over budget_minutes" in printed and not (out / "bench_no_bf16" / "stage.md").exists())
    results["bench without bf16: fp32 rows, bf16 skipped with its reason"] = (
        "fp32" in md and "bf16 rows skipped on this machine: precision='bf16' needs a CPU with native bf16" in md
        and "| bf16" not in md and "('bf16'" not in md)
    r = sh([str(BIN / "papermill"), "--cwd", "nbs", "nbs/bench_throughput.ipynb", str(out / "bench_bf16.ipynb")] + tiny +
           ["-y", "precisions: [bf16]", "-p", "out_dir", str(out / "bench_bf16")], env={**os.environ, **no_bf16})
    results["bench without bf16: an explicit bf16 stops"] = r.returncode != 0 and "needs a CPU with native bf16" in r.stdout + r.stderr
    return results


def own_data() -> dict[str, bool]:
    """Your own grouped data (conversational JSONL, no split column) through the command line, a tiny sweep (SFT, IPO,
    GR-IPO notebooks) and fig_goqa; needs no GlobalOpinionQA file."""
    import json
    import pandas as pd
    from grpo_nb.data import load_goqa_pairs
    from grpo_nb.testing import tiny_model, toy_csv
    out = ROOT / "outputs" / "test" / "own"; shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    pairs = load_goqa_pairs(toy_csv(30, out / "toy.csv"), ["Japan", "Egypt", "Chad"])
    turn = lambda role, text: [{"role": role, "content": text}]
    rows = [{"prompt": turn("user", r["prompt"]), "chosen": turn("assistant", r["chosen"]), "rejected": turn("assistant", r["rejected"]),
             "group": f"annotators-{r['group_name'].lower()}"} for s in ("train", "val", "test") for r in pairs[s]]
    data = out / "own.jsonl"
    pd.DataFrame(rows).to_json(data, orient="records", lines=True)
    model, stage = tiny_model(out / "tiny-model"), {"max_steps": 2, "batch_size": 4, "eval_every": 8, "wandb": False}
    cli = sh([str(BIN / "grpo_nb_train"), "gr-ipo", f"data={data}", f"model={model}", f"out_dir={out / 'cli'}", "eta=0.01",
              *[f"{k}={v}" for k, v in stage.items()]])
    done = out / "cli" / "done.json"
    groups = json.loads((out / "cli" / "config.json").read_text())["countries"] if done.is_file() else None
    cli_ok = cli.returncode == 0 and groups == ["annotators-chad", "annotators-egypt", "annotators-japan"]
    if not cli_ok: print(f"grpo_nb_train on own data: rc {cli.returncode}, groups {groups}\n{cli.stderr[-3000:]}", file=sys.stderr)
    results = {"own data: command line": cli_ok}
    # A group-robust objective of your own, registered in a few lines of your own module: the sweep trains it
    # beside IPO and GR-IPO (its notebooks find it through $GRPO_NB_OBJECTIVES) and the figures name it.
    (out / "my_objectives.py").write_text(
        "from grpo_nb.objectives import GroupRobust, Preference, register_objective\n"
        "def mean_scale(beta, label_smoothing, counts, eta, chi):   # GR-IPO on the mean scale: L_g = mean loss of g\n"
        "    return GroupRobust(Preference('ipo', beta), counts, eta, chi, scale='mean', name='gr-ipo-mean')\n"
        "register_objective('gr-ipo-mean', mean_scale, display='GR-IPO (mean scale)')\n")
    plugin = {"GRPO_NB_OBJECTIVES": "my_objectives", "PYTHONPATH": os.pathsep.join(filter(None, [str(out), os.environ.get("PYTHONPATH")]))}
    args = ["-y", "seeds: [0]", "-y", "etas: [0.01]", "-y", "objectives: [ipo, gr-ipo, gr-ipo-mean]",
            "-y", f"stage_params: {json.dumps(stage)}", "-p", "out_dir", str(out / "runs"), "-p", "model", model, "-p", "data", str(data)]
    swept = papermill("sweep", out / "sweep.ipynb", args, env=plugin)
    mine = out / "runs" / "seed0" / "gripomean_eta0.01"
    trained = (mine / "done.json").is_file() and json.loads((mine / "config.json").read_text())["objective"] == "gr-ipo-mean"
    results["own data: sweep, own objective included"] = swept and trained and len(list((out / "runs").rglob("done.json"))) == 4
    results["own data: figures goqa"] = results["own data: sweep, own objective included"] and papermill(
        "fig_goqa", out / "fig_goqa.ipynb", ["-p", "sweep_dir", str(out / "runs"), "-p", "out_dir", str(out / "figures")], env=plugin)
    tables = _markdown_outputs(out / "fig_goqa.ipynb") if results["own data: figures goqa"] else []
    results["own data: own objective in the figures' table"] = any("GR-IPO (mean scale) η=0.01" in t for t in tables)
    return results


def docs_site() -> dict[str, bool]:
    """The site built from the notebooks (figures from the tiny fig_synthetic run, executed first when missing): every page, no broken
    internal link; the check itself must catch a planted broken link; and README.md is what nbs/index.ipynb writes."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "tools" / "build_docs.py")
    build_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_docs)
    out, executed = ROOT / "outputs" / "test" / "docs", ROOT / "outputs" / "test" / "executed"
    shutil.rmtree(executed, ignore_errors=True)
    executed.mkdir(parents=True)
    drawn_nb = ROOT / "outputs" / "test" / "fig_synthetic.ipynb"
    if not drawn_nb.is_file(): figure_notebooks()              # run alone: draw them first (13 s)
    if drawn_nb.is_file(): shutil.copy(drawn_nb, executed)
    r = sh([str(BIN / "python"), "tools/build_docs.py", "--out", str(out), "--executed", str(executed), "--check"])
    if r.returncode: print(r.stdout[-2000:], r.stderr[-4000:], file=sys.stderr)
    figures = out / "nbs" / "fig_synthetic.html"
    drawn = figures.is_file() and figures.read_text().count("<img") >= 2         # the executed charts, as PNGs
    out.mkdir(parents=True, exist_ok=True)                                      # a failed build leaves none
    planted = out / "planted.html"
    planted.write_text('<a href="nbs/no_such_page.html">x</a><a href="index.html#no-such-anchor">y</a>')
    caught = len([p for p in build_docs.check(out, []) if "planted.html" in p]) == 2
    planted.unlink()
    readme = (ROOT / "README.md").read_text() == build_docs.readme(ROOT / "nbs" / "index.ipynb")
    if not readme: print("README.md differs from what nbs/index.ipynb writes: run `make readme`", file=sys.stderr)
    return {"docs site builds, every page, no broken link": r.returncode == 0 and drawn, "docs link check catches broken links": caught,
            "README is nbs/index.ipynb": readme}

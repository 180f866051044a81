"""The notebooks end to end, as a user runs them with papermill, on tiny budgets: the study chain
and its resume, the synthetic figures, the benchmark, a sweep and its figures, a cross-fit and its
verdict, your own grouped data with an objective of your own, and the documentation site."""
import json, os, re, shutil, sys

import pytest

from tests.helpers import (BIN, MODEL_STACK, OUT, ROOT, STUDY_TINY, TINY_COUNTRIES, fresh,
                           markdown_outputs, on_pythonpath, papermill, pm_params, printed, sh,
                           succeeded)

pytestmark = pytest.mark.slow


# --- the study chain ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def study(data_sample):
    """sft → ipo → gripo (which trains its own SFT first) with papermill on a tiny budget, then the
    IPO run made unfinished (as after a kill past its last checkpoint) and resumed to step 3."""
    out = OUT / "study"
    runs = fresh(out / "runs")
    plan = {"sft": ["-p", "out_dir", runs / "sft"],
            "ipo": ["-p", "out_dir", runs / "ipo", "-p", "sft_dir", runs / "sft"],
            "gripo": ["-p", "out_dir", runs / "gripo", "-p", "sft_dir", runs / "sft_for_gripo",
                      "-p", "eta", "0.01"]}
    done = {nb: papermill(nb, out / f"{nb}.ipynb", ["-p", "data", data_sample]
                          + pm_params(STUDY_TINY) + TINY_COUNTRIES + [str(a) for a in extra])
            for nb, extra in plan.items()}
    finished = {nb: (runs / nb / "done.json").is_file() for nb in plan}
    ipo, first = runs / "ipo", None
    if finished["ipo"]:                      # made unfinished, as after a kill, then resumed
        first = [line for line in (ipo / "log.jsonl").read_text().splitlines()
                 if '"loss/train"' in line]
        (ipo / "done.json").unlink()
        shutil.rmtree(ipo / "final")
        params = {**STUDY_TINY, "data": data_sample, "out_dir": ipo, "sft_dir": runs / "sft",
                  "overwrite": False, "resume": True, "max_steps": 3}
        done["resume"] = papermill("ipo", out / "ipo_resumed.ipynb",
                                   pm_params(params) + TINY_COUNTRIES)
    return out, runs, done, first, finished


@pytest.mark.data
@pytest.mark.parametrize("nb", ["sft", "ipo", "gripo"])
def test_study_notebook(nb, study):
    """The notebook runs and runs clean: no warning, at most 10 progress-bar lines per stage, and
    each stage's phase profile printed."""
    out, runs, done, _, finished = study
    succeeded(done[nb])
    lines = printed(out / f"{nb}.ipynb")
    warned = [line for line in lines if "Warning" in line or line.startswith("WARNING")]
    bars = [line for line in lines if re.search(r"\d+%\|", line)]
    stages = max(1, sum("finished in" in line for line in lines))
    assert not warned, warned[:3]
    assert len(bars) <= 10 * stages, f"{len(bars)} progress lines for {stages} stage(s)"
    assert any(line.startswith("phase profile of") for line in lines), "no phase profile printed"
    assert finished[nb], "no done.json: the run did not finish"


@pytest.mark.data
def test_study_resume(study):
    "The resumed IPO run keeps its 2 logged steps and adds a third."
    out, runs, done, first, finished = study
    assert finished["ipo"], "the IPO run did not finish: nothing to resume"
    succeeded(done["resume"])
    steps = [line for line in (runs / "ipo" / "log.jsonl").read_text().splitlines()
             if '"loss/train"' in line]
    assert len(steps) == 3 and steps[:2] == first and (runs / "ipo" / "done.json").is_file()


# --- figures, benchmark ---------------------------------------------------------------------------

def test_figure_notebook():
    "The synthetic figure notebook on a small budget (3 seeds, 300 DPO iterations): every figure."
    OUT.mkdir(parents=True, exist_ok=True)
    r = papermill("fig_synthetic", OUT / "fig_synthetic.ipynb",
                  ["-p", "seeds", "3", "-p", "dpo_iters", "300", "-p", "out_dir", OUT / "figures"])
    succeeded(r)


@pytest.mark.data
def test_bench_notebook(data_sample):
    """The throughput benchmark for one timed step of 4 pairs, the rows that need no TRL, with its
    default precisions; then on a CPU made to report no bf16 and with a budget no plan meets (fp32
    rows, bf16 skipped with its reason, the plan shrunk and said so); an explicit bf16 stops."""
    tiny = ["-p", "data", data_sample, "-p", "steps", "1", "-p", "warmup", "1", "-p", "profile",
            "False", "-p", "batch_size", "4"]
    r = papermill("bench_throughput", OUT / "bench_throughput.ipynb", tiny + [
        "-y", "methods: [two_sequence, grpo_nb, ideal]", "-p", "forward_pairs", "8",
        "-p", "stage_steps", "1", "-p", "out_dir", OUT / "bench"])
    succeeded(r)
    no_bf16 = {"GRPO_NB_CPU_FLAGS": "fpu sse2 avx avx2 fma"}                     # an AVX2-only CPU
    out = OUT / "bench_no_bf16"
    shutil.rmtree(out, ignore_errors=True)
    r = papermill("bench_throughput", OUT / "bench_no_bf16.ipynb", tiny + [
        "-y", "methods: [grpo_nb]", "-p", "forward_pairs", "0", "-p", "stage_steps", "1",
        "-p", "budget_minutes", "0.0001", "-p", "out_dir", out], env=no_bf16)
    succeeded(r)
    said = "\n".join(printed(OUT / "bench_no_bf16.ipynb"))
    assert "estimated run time here:" in said
    assert "shrunk to fit budget_minutes 0.0001: stage_steps 1 → 0" in said
    assert "still over budget_minutes" in said and not (out / "stage.md").exists()
    md = (out / "throughput.md").read_text()
    assert "fp32" in md and "| bf16" not in md and "('bf16'" not in md
    assert "bf16 rows skipped on this machine: precision='bf16' needs a CPU with native bf16" in md
    r = papermill("bench_throughput", OUT / "bench_bf16.ipynb", tiny + [
        "-y", "precisions: [bf16]", "-p", "out_dir", OUT / "bench_bf16"], env=no_bf16)
    assert r.returncode != 0 and "needs a CPU with native bf16" in r.stdout + r.stderr


# --- a sweep, a cross-fit and its verdict on the real data ----------------------------------------

@pytest.mark.data
def test_sweep_and_figures(data):
    """A tiny sweep (tiny random model, 2 seeds × {IPO, GR-IPO}), run twice (the second skips every
    finished run), then fig_goqa on it."""
    from grpo_nb.testing import tiny_model
    out = fresh(OUT / "sweep")
    stage = {"max_steps": 2, "batch_size": 4, "eval_every": 8, "wandb": False}
    args = ["-y", "seeds: [0, 1]", "-y", "etas: [0.01]", "-y", f"stage_params: {json.dumps(stage)}",
            "-p", "out_dir", str(out / "runs"), "-p", "model", tiny_model(out / "tiny-model"),
            "-p", "data", data] + TINY_COUNTRIES
    r = papermill("sweep", out / "sweep.ipynb", args)
    succeeded(r)
    logs = sorted((out / "runs").rglob("log.jsonl"))
    before = {p: p.read_bytes() for p in logs}
    r = papermill("sweep", out / "sweep_again.ipynb", args)
    succeeded(r)
    assert len(logs) == 6 and all(p.read_bytes() == b for p, b in before.items())
    r = papermill("fig_goqa", out / "fig_goqa.ipynb", ["-p", "sweep_dir", str(out / "runs"),
                                                        "-p", "out_dir", str(out / "figures")])
    succeeded(r)


def without_model_stack(folder) -> dict:
    """An environment whose Python processes cannot import the model stack: a `sitecustomize` on
    PYTHONPATH puts a finder first on `sys.meta_path` that refuses each module of `MODEL_STACK`
    (importing it raises ModuleNotFoundError, as where it is not installed)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import sys\n"
        f"BLOCKED = {MODEL_STACK!r}\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r} (the model stack is blocked)')\n"
        "sys.meta_path.insert(0, Refuse())\n")
    return on_pythonpath(folder)


@pytest.mark.data
def test_crossfit_and_verdict(data):
    """A tiny cross-fit (tiny random model, 2 countries, 2 folds, three arms of 2 seeds, 2 scored
    checkpoints), run twice (the second trains nothing and leaves every record untouched); then
    `verdict.ipynb` on its records, in an environment without the model stack, reproduces the
    run's table; on a damaged copy it stops naming the fold, run and file, with nothing written."""
    from grpo_nb.testing import tiny_model
    out = fresh(OUT / "crossfit")
    stage = {"max_steps": 2, "batch_size": 4, "wandb": False}
    arms = [{"name": "ipo", "objective": "ipo", "params": {}, "seeds": [0, 1]},
            {"name": "gr-ipo", "objective": "gr-ipo", "params": {"eta": "auto"}, "seeds": [0, 1]},
            {"name": "gr-ipo-big", "objective": "gr-ipo", "params": {"eta": 1e-3}, "seeds": [0, 1]}]
    args = ["-p", "folds", "2", "-p", "checkpoints", "2", "-p", "n_boot", "200",
            "-y", f"stage_params: {json.dumps(stage)}", "-y", f"arms: {json.dumps(arms)}",
            "-p", "work_dir", str(out / "runs"), "-p", "records_dir", str(out / "records"),
            "-p", "model", tiny_model(out / "tiny-model"), "-p", "data", data] + TINY_COUNTRIES
    r = papermill("crossfit", out / "crossfit.ipynb", args)
    succeeded(r)
    written = sorted(p for p in (out / "runs").rglob("*")
                     if p.name in ("log.jsonl", "done.json") or p.suffix == ".parquet")
    written += sorted(p for p in (out / "records").rglob("*") if p.is_file())
    before = {p: p.read_bytes() for p in written}
    r = papermill("crossfit", out / "crossfit_again.ipynb", args)
    succeeded(r)
    assert len([p for p in written if p.name == "done.json" and "runs" in p.parts]) == 14
    assert [str(p) for p, b in before.items() if p.read_bytes() != b] == []
    bare = without_model_stack(out / "no-model-stack")
    probe = sh([sys.executable, "-c", "import torch"], env={**os.environ, **bare})
    assert probe.returncode != 0 and "the model stack is blocked" in probe.stderr   # the blocker works
    r = papermill("verdict", out / "verdict.ipynb", ["-p", "records_dir", str(out / "records"),
                                                     "-p", "out_dir", str(out / "figures"),
                                                     "-p", "n_boot", "200"], env=bare)
    succeeded(r)
    table = [t for t in markdown_outputs(out / "crossfit.ipynb") if t.startswith("| measure")]
    redrawn = [t for t in markdown_outputs(out / "verdict.ipynb") if t.startswith("| measure")]
    assert len(table) == 1 and table == redrawn
    for f in ("frontier", "countries", "curves", "weights"):
        assert (out / "figures" / f"goqa_verdict_{f}.png").is_file(), f
    damaged = out / "damaged"
    shutil.copytree(out / "records", damaged)
    (damaged / "fold1" / "gripobig_seed1" / "done.json").unlink()
    r = papermill("verdict", out / "verdict_damaged.ipynb", [
        "-p", "records_dir", str(damaged), "-p", "out_dir", str(out / "figures_damaged"),
        "-p", "n_boot", "200"], env=bare)
    assert r.returncode != 0
    assert ("fold 1, run gripobig_seed1, file done.json: missing: the run did not finish"
            in (out / "verdict_damaged.ipynb").read_text())
    assert not (out / "figures_damaged").exists()


# --- your own data and your own objective -------------------------------------------------------

TEMPERED = '''"""A package's own group-robust objective: GR-IPO whose weights follow the group losses divided
by a temperature, a hyper-parameter of its own."""
from grpo_nb.objectives import GroupRobust, register_objective

class Tempered(GroupRobust):
    options = {"temperature": 1.0}

    @classmethod
    def from_config(cls, cfg, counts, base):
        objective = super().from_config(cfg, counts, base)
        objective.temperature = cls.option_values(cfg)["temperature"]
        return objective

    def update(self, group_loss): return super().update(group_loss / self.temperature)

register_objective("gr-tempered", Tempered, display="GR-IPO (tempered)", base="ipo")
'''


def installed_objective(site) -> dict:
    """`gr-tempered` as an installed package declares it: a module and a distribution whose entry
    point (group grpo_nb.objectives) names it; the environment that puts them on the path."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "tempered_objective.py").write_text(TEMPERED)
    dist = site / "tempered_objective-0.1.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tempered-objective\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[grpo_nb.objectives]\ngr-tempered = tempered_objective\n")
    return on_pythonpath(site)


@pytest.fixture(scope="module")
def own():
    """Your own grouped data (conversational JSONL, no split column) from the toy CSV's pairs, a
    tiny random model, and the tiny stage budget."""
    import pandas as pd
    from grpo_nb.data import load_goqa_pairs
    from grpo_nb.testing import tiny_model, toy_csv
    out = fresh(OUT / "own")
    pairs = load_goqa_pairs(toy_csv(30, out / "toy.csv"), ["Japan", "Egypt", "Chad"])
    turn = lambda role, text: [{"role": role, "content": text}]
    rows = [{"prompt": turn("user", r["prompt"]), "chosen": turn("assistant", r["chosen"]),
             "rejected": turn("assistant", r["rejected"]),
             "group": f"annotators-{r['group_name'].lower()}"}
            for s in ("train", "val", "test") for r in pairs[s]]
    data = out / "own.jsonl"
    pd.DataFrame(rows).to_json(data, orient="records", lines=True)
    stage = {"max_steps": 2, "batch_size": 4, "eval_every": 8, "wandb": False}
    return out, data, tiny_model(out / "tiny-model"), stage, installed_objective(out / "site")


def test_own_data_command_line(own):
    "`grpo_nb_train` on your own JSONL: the groups are its group names, in id order."
    out, data, model, stage, _ = own
    r = sh([BIN / "grpo_nb_train", "gr-ipo", f"data={data}", f"model={model}",
            f"out_dir={out / 'cli'}", "eta=0.01", *[f"{k}={v}" for k, v in stage.items()]])
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "cli" / "done.json").is_file()
    groups = json.loads((out / "cli" / "config.json").read_text())["countries"]
    assert groups == ["annotators-chad", "annotators-egypt", "annotators-japan"]


def test_own_objective_through_the_notebook(own):
    """A group-robust objective with a hyper-parameter of its own, from an installed package,
    through gripo.ipynb in a fresh kernel with `options`: its config records the temperature, and
    every logged step's α is the tempered update of the step before's."""
    import torch
    from grpo_nb.losses import update_log_weights
    out, data, model, stage, env = own
    run = out / "tempered"
    r = papermill("gripo", out / "gripo_tempered.ipynb", [
        "-p", "objective", "gr-tempered", "-y", "options: {temperature: 4.0}", "-p", "eta", "0.002",
        "-p", "data", str(data), "-p", "model", model, "-p", "out_dir", str(run),
        "-p", "sft_dir", str(out / "sft"), *pm_params(stage)], env=env)
    succeeded(r)
    cfg = json.loads((run / "config.json").read_text())
    assert (cfg["objective"], cfg["options"]) == ("gr-tempered", {"temperature": 4.0})
    steps = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()
             if '"loss/train"' in line]
    k = len(cfg["countries"])
    alpha = lambda rec: torch.tensor([rec[f"rewards_train/weights_{g}"] for g in range(k)],
                                     dtype=torch.float64)
    start, mattered = torch.full((k,), 1 / k, dtype=torch.float64), []
    for before, rec in zip([None] + steps, steps):
        loss = torch.tensor([rec[f"group_loss/train_{g}"] for g in range(k)], dtype=torch.float64)
        prior = start if before is None else alpha(before)
        expected = update_log_weights(prior.log(), loss / 4.0, rec["eta"]).exp()
        untempered = update_log_weights(prior.log(), loss, rec["eta"]).exp()
        assert torch.allclose(alpha(rec), expected, atol=1e-6), (alpha(rec), expected)
        mattered.append(not torch.allclose(expected, untempered, atol=1e-4))
    assert all(mattered), "the temperature did not change the weights: a weak check"   # η small enough


def test_own_data_sweep_and_figures(own):
    """A tiny sweep of IPO, GR-IPO and the installed objective on your own data (its notebooks run
    in fresh kernels, which find it through its entry point), then fig_goqa naming it."""
    out, data, model, stage, env = own
    args = ["-y", "seeds: [0]", "-y", "etas: [0.01]", "-y", "objectives: [ipo, gr-ipo, gr-tempered]",
            "-y", f"stage_params: {json.dumps(stage)}", "-p", "out_dir", str(out / "runs"),
            "-p", "model", model, "-p", "data", str(data)]
    r = papermill("sweep", out / "sweep.ipynb", args, env=env)
    succeeded(r)
    mine = out / "runs" / "seed0" / "grtempered_eta0.01"
    assert json.loads((mine / "config.json").read_text())["objective"] == "gr-tempered"
    assert (mine / "done.json").is_file()
    assert len(list((out / "runs").rglob("done.json"))) == 4
    r = papermill("fig_goqa", out / "fig_goqa.ipynb", ["-p", "sweep_dir", str(out / "runs"),
                                                        "-p", "out_dir", str(out / "figures")],
                  env=env)
    succeeded(r)
    assert any("GR-IPO (tempered) η=0.01" in t for t in markdown_outputs(out / "fig_goqa.ipynb"))


# --- the documentation site -----------------------------------------------------------------------

def test_docs_site():
    """The site built from the notebooks (figures from the tiny fig_synthetic run, executed first
    when missing): every page, no broken internal link; the check catches a planted broken link;
    README.md is what nbs/index.ipynb writes."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "tools" / "build_docs.py")
    build_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_docs)
    out, executed = OUT / "docs", fresh(OUT / "executed")
    drawn_nb = OUT / "fig_synthetic.ipynb"
    if not drawn_nb.is_file(): test_figure_notebook()            # run alone: draw them first (13 s)
    shutil.copy(drawn_nb, executed)
    r = sh([BIN / "python", "tools/build_docs.py", "--out", out, "--executed", executed, "--check"])
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    figures = out / "nbs" / "fig_synthetic.html"
    assert figures.is_file() and figures.read_text().count("<img") >= 2   # the charts, as PNGs
    planted = out / "planted.html"
    planted.write_text('<a href="nbs/no_such_page.html">x</a><a href="index.html#no-such-anchor">y</a>')
    try: assert len([p for p in build_docs.check(out, []) if "planted.html" in p]) == 2
    finally: planted.unlink()
    assert (ROOT / "README.md").read_text() == build_docs.readme(ROOT / "nbs" / "index.ipynb"), (
        "README.md differs from what nbs/index.ipynb writes: run `make readme`")

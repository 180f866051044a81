"""What the tests share: the repository's paths, running a command or a notebook, reading an
executed notebook's outputs, and the tiny budgets the study notebooks are run on."""
import json, os, re, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "outputs" / "test"

STUDY_TINY = {"max_steps": 2, "eval_every": 16, "batch_size": 4, "wandb": False, "overwrite": True}
TINY_COUNTRIES = ["-y", "countries: [China, Nigeria]"]
PARAMETERISED = ["bench_throughput", "crossfit", "fig_goqa", "fig_synthetic", "gripo", "ipo", "sft",
                 "sweep", "verdict"]
"The notebooks papermill runs with parameters (their `parameters` cell)."
MODEL_STACK = ("torch", "transformers", "peft", "accelerate", "bitsandbytes", "datasets")
"What the analysis (records, verdict, report, plots) must run without."


def sh(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    "Run `cmd` in the repo root, echoing it; output captured as text."
    print("$", " ".join(map(str, cmd)), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, text=True, capture_output=True, **kw)


def papermill(nb: str, out: Path, params: list[str], env: dict | None = None,
              **kw) -> subprocess.CompletedProcess:
    "Execute nbs/`nb`.ipynb into `out` with papermill (from nbs/, as a user does)."
    return sh([BIN / "papermill", "--cwd", "nbs", f"nbs/{nb}.ipynb", out] + params,
              env={**os.environ, **(env or {})}, **kw)


def succeeded(r: subprocess.CompletedProcess) -> None:
    """Assert a papermill run (or any command) succeeded, with its output's tail; papermill only
    warns about a parameter no `parameters` cell takes, so that fails here too."""
    text = r.stdout + r.stderr
    assert "Passed unknown parameter" not in text, "papermill found no 'parameters' cell"
    assert r.returncode == 0, text[-6000:]


def pm_params(params: dict) -> list[str]:
    "papermill `-p name value` arguments."
    return [a for k, v in params.items() for a in ("-p", k, str(v))]


def markdown_outputs(executed: Path) -> list[str]:
    "The markdown outputs of an executed notebook, in order."
    cells = json.loads(Path(executed).read_text())["cells"]
    return ["".join(o["data"]["text/markdown"]) for c in cells for o in c.get("outputs", [])
            if "text/markdown" in o.get("data", {})]


def printed(executed: Path) -> list[str]:
    "Every non-empty line an executed notebook printed or showed as plain text."
    texts = ["".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
             for c in json.loads(Path(executed).read_text())["cells"] for o in c.get("outputs", [])]
    return [line for t in texts for line in re.split(r"[\r\n]", t) if line.strip()]


def in_parallel(fn, items: list) -> dict:
    """`fn(item)` for every item, one item per core at a time (for checks that each start a
    notebook kernel that stops in its first cells: seconds of imports, one core each)."""
    with ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool:
        return dict(zip(items, pool.map(fn, items)))


def on_pythonpath(folder: Path) -> dict:
    "The environment whose Python processes import from `folder` first."
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}


def fresh(path: Path) -> Path:
    "`path` as an empty folder."
    import shutil
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def notebook_tests(flags: str) -> tuple[dict[str, str], str]:
    """Run nbdev_test over nbs/ once (its own parallel workers); each notebook's result ('passed',
    'failed' or 'not run': skip_exec) and nbdev_test's error output."""
    # nbdev_test runs one notebook per core (at most 8), and torch in each would start a thread
    # per core: on 2 cores, 2 notebooks × 2 threads spin against each other (6 min 8 s for all the
    # notebooks so, 3 min 21 s with one thread each; AMD EPYC, 2 cores). Each gets its share.
    cores = len(os.sched_getaffinity(0))
    workers = min(cores, 8)
    share = str(max(1, cores // workers))
    flag_args = ["--flags", flags] if flags else []
    r = sh([BIN / "nbdev_test", "--do_print", "--timing", *flag_args, "--n_workers", str(workers)],
           env={**os.environ, "OMP_NUM_THREADS": share, "MKL_NUM_THREADS": share})
    sys.stdout.write(r.stdout)
    started = {Path(line.split(" ", 1)[1]).name for line in r.stdout.splitlines()
               if line.startswith("Starting ")}
    failed = set()
    if "nbdev Tests Failed On The Following Notebooks" in r.stderr:
        tail = r.stderr.split("nbdev Tests Failed On The Following Notebooks", 1)[1]
        failed = {Path(line.strip()).name for line in tail.splitlines() if line.startswith("\t")}
    if r.returncode and not failed: failed = set(started)       # the runner itself broke: never green
    status = {f.name: "failed" if f.name in failed else "passed" if f.name in started else "not run"
              for f in sorted((ROOT / "nbs").glob("*.ipynb"))}
    return status, r.stderr

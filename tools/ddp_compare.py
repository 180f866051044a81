"""Compare training in one process with training in two (torchrun, gloo, CPUs) on the same global batches; print the differences.

    .venv/bin/python tools/ddp_compare.py

Two GR-IPO runs on a tiny random Llama and toy rows (75 training pairs, so the last step is uneven): batch 4 x 2 (one
micro-batch per process) and 1 x 4 (two per process, one of them empty on the last step). For each it prints the
largest difference in the group weights alpha over all steps (and how far alpha moved), in the gradient norm and in the
test losses. 06_study's test makes the same comparison with tolerances."""
import json, math, os, subprocess, sys, tempfile
from grpo_nb.testing import tiny_model, toy_csv
from grpo_nb.config import stage_config
from grpo_nb.runs import metric_key, parse_metric_key, read_log
from grpo_nb.trainer import prepare, train

tiny, toy31 = tiny_model(), toy_csv(31)
common = dict(model=tiny, data=toy31, countries=["Japan", "Egypt", "Chad"], lr=1e-3, beta=0.1, eta=0.01, eval_every=16, max_epochs=1, wandb=False)

def max_diff(one, two, metric, split, rel=False):
    "Largest |a - b| (relative to |a| with `rel`) over the logged keys of `metric` on `split`, per group or not."
    def wanted(k): return (parse_metric_key(k) or (None, None, None, None))[:2] == (metric, split)
    return max(abs(a[k] - b[k]) / (abs(a[k]) if rel else 1) for a, b in zip(one, two) for k in a
               if wanted(k) and not math.isnan(a[k]))

for name, kw in {"4 x 2": dict(batch_size=4, grad_accum=2), "1 x 4": dict(batch_size=1, grad_accum=4)}.items():
    d1, d2 = tempfile.mkdtemp(), tempfile.mkdtemp()
    one = stage_config("gr-ipo", **common, **kw, out_dir=d1)
    train(prepare(one), show_progress=False)
    args = [f"{k}={json.dumps(v)}" for k, v in {**common, **kw, "out_dir": d2}.items()]
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "grpo_nb", "gr-ipo", *args],
                       capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    if r.returncode:
        print(f"batch {name}: the 2-process run failed:", *[l for l in r.stderr.splitlines() if "Error" in l][-3:], sep="\n  "); continue
    one, two = read_log(d1), read_log(d2)
    assert [x["step"] for x in one] == [x["step"] for x in two]
    weights = [metric_key("rewards/weights", "train", g) for g in range(3)]
    moved = max(max(x[k] for k in weights) - min(x[k] for k in weights) for x in one)
    print(f"batch {name}: {sum(metric_key('loss', 'train') in x for x in one)} steps; "
          f"max |Δα| {max_diff(one, two, 'rewards/weights', 'train'):.2g} "
          f"(α spread up to {moved:.2f}); grad norm max rel Δ {max_diff(one, two, 'grad_norm', 'train', True):.2g}; "
          f"test loss max rel Δ {max_diff(one, two, 'loss', 'test', True):.2g}")

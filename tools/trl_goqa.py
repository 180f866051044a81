#!/usr/bin/env python
"""GR-IPO through TRL on GlobalOpinionQA (the paper's five countries), the embedded SmolLM2-135M
with the paper's LoRA, and its time per step beside TRL's plain DPOTrainer (IPO) on the same
batches: docs/trl.md's example run.

Both trainers get the same config, seed and sampler, so they draw the same batches; they run in
turn in this one process, the order swapped every round (plain then GR, GR then plain, ...) and
the previous trainer collected before each, and each step is timed by a callback (optimiser step
included, the first step of each run left out as warm-up); the overhead is the median over
matched steps of GR's time over plain's. The GR-IPO runs'
per-country weights, training losses and validation losses are printed, and everything is
written to --out as JSON (numbers only: no data text, no weights).

    .venv/bin/python tools/trl_goqa.py --out results/trl_goqa.json
"""
import argparse, gc, json, os, platform, statistics, tempfile, time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
from trl import DPOConfig, DPOTrainer

from grpo_nb.grouped import load_pairs
from grpo_nb.model import lora_config, model_path
from grpo_nb.trl import GroupRobustDPOConfig, GroupRobustDPOTrainer, group_key


class StepTimes(TrainerCallback):
    "Seconds of every optimiser step (forward, backward, update)."
    def __init__(self): self.times = []
    def on_step_begin(self, args, state, control, **kw): self.start = time.perf_counter()
    def on_step_end(self, args, state, control, **kw):
        self.times.append(time.perf_counter() - self.start)


def run(group_robust: bool, pairs, opts) -> dict:
    "One run of `opts.steps` steps; its step times and (GR) its weights and group losses."
    common = dict(output_dir=tempfile.mkdtemp(), loss_type="ipo", beta=0.01, learning_rate=1e-4,
                  per_device_train_batch_size=opts.batch, per_device_eval_batch_size=16,
                  max_steps=opts.steps, logging_steps=opts.steps, lr_scheduler_type="constant",
                  use_cpu=True, bf16=False, report_to="none", save_strategy="no", seed=0,
                  disable_tqdm=True, log_level="error")
    args = (GroupRobustDPOConfig(eta=opts.eta, **common) if group_robust else DPOConfig(**common))
    cls = GroupRobustDPOTrainer if group_robust else DPOTrainer
    train, val = pairs["train"], pairs["val"]
    if not group_robust: train, val = (d.remove_columns("group") for d in (train, val))
    timer = StepTimes()
    torch.manual_seed(0)
    trainer = cls(model=AutoModelForCausalLM.from_pretrained(model_path()), args=args,
                  train_dataset=train, eval_dataset=val, callbacks=[timer],
                  processing_class=AutoTokenizer.from_pretrained(model_path()),
                  peft_config=lora_config())
    trainer.train()
    out = {"step_s": timer.times, "train_loss": trainer.state.log_history[-1]["train_loss"]}
    if group_robust:
        countries = trainer.groups
        line = next(h for h in trainer.state.log_history if group_key("loss") in h)
        first = trainer.state.log_history[0]
        ev = trainer.evaluate()
        out.update(eta=trainer.objective.eta, eta_auto={k: v for k, v in first.items()
                                                       if k.startswith("eta_auto/")},
                   weights={c: line[group_key("weight", c)] for c in countries},
                   train_loss_by_group={c: line[group_key("loss", c)] for c in countries},
                   val_loss_by_group={c: ev[f"eval_{group_key('loss', c)}"] for c in countries},
                   val_accuracy_by_group={c: ev[f"eval_{group_key('accuracy', c)}"]
                                          for c in countries},
                   val_worst_group_loss=ev[f"eval_{group_key('loss')}"])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=os.environ.get("GRPO_NB_DATA") or None,
                   help="GlobalOpinionQA CSV (default: $GRPO_NB_DATA, else the hub id)")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--rounds", type=int, default=2, help="plain/GR pairs of runs, in turn")
    p.add_argument("--eta", default="auto")
    p.add_argument("--out", default="outputs/trl_goqa.json")
    opts = p.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    pairs = load_pairs(opts.data)          # train/val/test with countries as groups
    runs = {"plain": [], "gr": []}
    for r in range(opts.rounds):
        for name in (("plain", "gr") if r % 2 == 0 else ("gr", "plain")):
            gc.collect()
            runs[name].append(run(name == "gr", pairs, opts))
            print(name, "step s:", [round(t, 2) for t in runs[name][-1]["step_s"]], flush=True)
    median = {k: statistics.median(t for r in v for t in r["step_s"][1:]) for k, v in runs.items()}
    ratios = [g / p for gr_run, plain_run in zip(runs["gr"], runs["plain"])
              for g, p in zip(gr_run["step_s"][1:], plain_run["step_s"][1:])]
    gr = runs["gr"][-1]
    record = {"command": "tools/trl_goqa.py " + " ".join(
                  f"--{k} {v}" for k, v in vars(opts).items() if k != "data"),
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "torch": torch.__version__, "trl": __import__("trl").__version__,
              "pairs": {s: len(pairs[s]) for s in pairs}, "median_step_s": median,
              "overhead": statistics.median(ratios) - 1,
              "overhead_quartiles": [q - 1 for q in statistics.quantiles(ratios, n=4)],
              "runs": runs}
    os.makedirs(os.path.dirname(opts.out) or ".", exist_ok=True)
    with open(opts.out, "w") as f: json.dump(record, f, indent=1)
    q1, _, q3 = record["overhead_quartiles"]
    print(f"median s/step: TRL DPOTrainer (IPO) {median['plain']:.2f}, GroupRobustDPOTrainer "
          f"(GR-IPO) {median['gr']:.2f}; matched steps, GR/plain - 1: median "
          f"{100 * record['overhead']:+.1f}% (quartiles {100 * q1:+.1f}%, {100 * q3:+.1f}%)")
    print(f"eta {gr['eta']:.3g} ({gr['eta_auto']})")
    print("country | weight | train loss | val loss | val accuracy")
    for c in gr["weights"]:
        print(f"{c} | {gr['weights'][c]:.3f} | {gr['train_loss_by_group'][c]:.1f} | "
              f"{gr['val_loss_by_group'][c]:.1f} | {gr['val_accuracy_by_group'][c]:.2f}")


if __name__ == "__main__":
    main()

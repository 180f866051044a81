"""CUDA check of grpo_nb's packed scoring: equality with the two-sequence scheme (fp32/bf16, with/without LoRA) and step throughput.

Run on a GPU machine from the repo root with PYTHONPATH=. and a folder $GPU_CHECK_DIR (default .devcheck) holding SmolLM2's
config.json and tokenizer files and pairs.json ({prompt, chosen, rejected, group} lists of GlobalOpinionQA pairs). The model
is SmolLM2-135M's architecture with random weights (the weights need not travel): agreement and speed do not depend on them."""
import json, os, statistics, sys, time
import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
from peft import get_peft_model
from grpo_nb.model import encode, lora_config
from grpo_nb.reference import collate, response_logps
from grpo_nb.packed import pack, collate_packed, packed_logps
from grpo_nb.losses import ipo_loss, margin
D = os.environ.get("GPU_CHECK_DIR", ".devcheck")
dev = torch.device(os.environ.get("DEV", "cuda"))
cuda = dev.type == "cuda"
sync = torch.cuda.synchronize if cuda else (lambda: None)
print(torch.__version__, torch.cuda.get_device_name(0) if cuda else "cpu", flush=True)
tok = AutoTokenizer.from_pretrained(D); tok.pad_token = tok.pad_token or tok.eos_token
cfg = LlamaConfig.from_dict(json.load(open(f"{D}/config.json")))
P = json.load(open(f"{D}/pairs.json"))
pairs = list(zip(P["prompt"], P["chosen"], P["rejected"]))
def model(dtype, lora):
    torch.manual_seed(0)
    m = LlamaForCausalLM(cfg).to(dev, dtype)
    if lora:
        m = get_peft_model(m, lora_config())
        for n, p in m.named_parameters():
            if "lora_B" in n: p.data.normal_(0, 0.02)
    return m
def two_seq(m, b):
    enc = [encode(tok, p, x) for p, w, l in b for x in (w, l)]
    return response_logps(m, collate(enc, tok.pad_token_id)).view(-1, 2)
def fast(m, b): return packed_logps(m, collate_packed([pack(tok, p, [w, l]) for p, w, l in b]))
res = {}
for dtype in (torch.float32, torch.bfloat16):
    for lora in (False, True):
        m = model(dtype, lora); b = pairs[:8]
        with torch.no_grad(): f, s = fast(m, b), two_seq(m, b)
        line = f"{str(dtype)[6:]} lora={lora}: max |packed - two-seq| logp = {(f - s).abs().max().item():.2e} (|logp| ~ {s.abs().mean().item():.1f})"
        if lora:
            with torch.no_grad(), m.disable_adapter(): ref = two_seq(m, b)
            gr = {}
            for name, fn in (("packed", fast), ("two", two_seq)):
                m.zero_grad(); lp = fn(m, b)
                loss = ipo_loss(margin(lp[:, 0], lp[:, 1], ref[:, 0], ref[:, 1]), 0.01).mean(); loss.backward()
                gr[name] = (loss.item(), torch.cat([p.grad.float().flatten() for n, p in m.named_parameters() if "lora_" in n]))
            rl = abs(gr["packed"][0] - gr["two"][0]) / abs(gr["two"][0]); rg = ((gr["packed"][1] - gr["two"][1]).norm() / gr["two"][1].norm()).item()
            line += f"; IPO loss rel diff {rl:.1e}, LoRA grad rel diff {rg:.1e}"
        print(line, flush=True)
        del m
# throughput: batch 8 pairs, LoRA, AdamW; two-sequence (policy + reference every step) vs packed (reference cached) vs ideal
def bench(dtype, steps=20, warm=3, bs=8):
    out = {}
    for name in ("two-sequence", "grpo_nb packed", "ideal"):
        m = model(dtype, True); opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=3e-5)
        batches = [pairs[(i * bs) % 64:(i * bs) % 64 + bs] for i in range(warm + steps)]
        refs = []
        if name != "two-sequence":
            with torch.no_grad(), m.disable_adapter(): refs = [fast(m, b) for b in batches]
        times = []
        if cuda: torch.cuda.reset_peak_memory_stats()
        for i, b in enumerate(batches):
            sync(); t = time.perf_counter()
            if name == "two-sequence":
                lp = two_seq(m, b)
                with torch.no_grad(), m.disable_adapter(): ref = two_seq(m, b)
                loss = ipo_loss(margin(lp[:, 0], lp[:, 1], ref[:, 0], ref[:, 1]), 0.01).mean()
            elif name == "grpo_nb packed":
                lp = fast(m, b); ref = refs[i]
                loss = ipo_loss(margin(lp[:, 0], lp[:, 1], ref[:, 0], ref[:, 1]), 0.01).mean()
            else:
                pb = collate_packed([pack(tok, p, [w, l]) for p, w, l in b])
                logits = m(input_ids=pb["input_ids"].to(dev), logits_to_keep=pb["keep"].to(dev)).logits[0]
                loss = logits.float().logsumexp(-1).sum()
            loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
            sync(); times.append(time.perf_counter() - t)
        t = statistics.median(times[warm:])
        out[name] = (bs / t, torch.cuda.max_memory_allocated() / 2**30 if cuda else float('nan'))
        del m, opt
    g = out["grpo_nb packed"][0]
    for k, (pps, mem) in out.items(): print(f"{str(dtype)[6:]} {k}: {pps:.1f} pairs/s ({pps / g:.2f}x grpo_nb), peak {mem:.2f} GiB", flush=True)
S = int(os.environ.get('STEPS', 20)); bench(torch.float32, S); bench(torch.bfloat16, S)

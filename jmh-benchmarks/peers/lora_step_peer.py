#!/usr/bin/python3
"""The PyTorch peer of LoraTrainingStepBenchmark: one UGE LoRA training step on the Qwen2-VL-2B-shaped random model
of qwen2vl_2b_peer.py (same directory), F32 weights, in plain PyTorch (no transformers, no PEFT):

  LoRA r 16, alpha 32, dropout 0.1 on every q_proj and v_proj of the decoder (the vision tower has fused qkv, which
  PEFT's target_modules ["q_proj", "v_proj"] does not match either): y = base(x) + B(A(dropout(x))) * alpha / r,
  A Kaiming-uniform and B zero as PEFT initialises them; the base weights frozen;
  a batch of 2 image + text queries (each a 448x448 image, 256 image tokens, 316 tokens in all) and 2 text
  positives of 60 tokens; embeddings = L2-normalised last hidden state; InfoNCE over query . positive / 0.01 with
  in-batch negatives; backward; gradient-norm clipping to 1.0 over A and B; AdamW (lr 5e-5, weight decay 0.1) on A
  and B only; zero_grad.

`--model cut` keeps 4 decoder layers and 8 vision blocks, as the benchmark's cut. The model is in training mode
(LoRA dropout active). What differs from ours and from Hugging Face: see qwen2vl_2b_peer.py (attention as matmul +
softmax, which autograd stores whole for the backward).

Run: /usr/bin/python3 jmh-benchmarks/peers/lora_step_peer.py THREADS [--model cut|full] [--reps N]
One warm-up step, then REPS (default 3) timed steps; prints the best and the median in seconds and the peak
resident memory.
"""
import argparse
import math
import os
import resource
import statistics
import sys
import time

if __name__ == "__main__":
    _threads = next((a for a in sys.argv[1:] if a.isdigit()), "1")
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = _threads
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import qwen2vl_2b_peer as q  # noqa: E402


class LoraLinear(nn.Module):
    def __init__(self, base, r=16, alpha=32, dropout=0.1):
        super().__init__()
        self.base = base
        fan_in = base.weight.shape[1]
        self.lora_A = nn.Parameter(torch.empty(r, fan_in))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_B = nn.Parameter(torch.zeros(base.weight.shape[0], r))
        self.dropout = nn.Dropout(dropout)
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + F.linear(F.linear(self.dropout(x), self.lora_A), self.lora_B) * self.scaling


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("threads", type=int)
    ap.add_argument("--model", choices=("cut", "full"), default="cut")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cut = args.model == "cut"
    model = q.Qwen2VL(torch.float32, 4 if cut else q.LAYERS, 8 if cut else q.V_DEPTH)
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in model.model.layers:
        layer.self_attn.q_proj = LoraLinear(layer.self_attn.q_proj)
        layer.self_attn.v_proj = LoraLinear(layer.self_attn.v_proj)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=5e-5, weight_decay=0.1)

    g = torch.Generator().manual_seed(5)
    n = 256 + 60
    ids = torch.tensor([[1000 + ((i + 31 * r) * 7919) % 50000 for i in range(n)] for r in range(2)])
    ids[:, 20] = q.VISION_START
    ids[:, 21:21 + 256] = q.IMAGE_TOKEN
    ids[:, 21 + 256] = q.VISION_END
    pixels = torch.randn(2048, q.PATCH_DIM, generator=g)
    grids = [(1, 32, 32), (1, 32, 32)]
    pos_ids = torch.tensor([[2000 + ((i + 17 * r) * 104729) % 50000 for i in range(60)] for r in range(2)])

    def step():
        qe = model.embed(ids, pixels, grids)
        ce = model.embed(pos_ids, None, [])
        loss = F.cross_entropy(qe @ ce.T / 0.01, torch.arange(2))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    step()
    times = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    print(f"pytorch {torch.__version__} threads {args.threads} model {args.model}: trainingStep "
          f"best {min(times):.3f} s, median {statistics.median(times):.3f} s "
          f"(runs {', '.join(f'{t:.3f}' for t in times)})")
    print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")


if __name__ == "__main__":
    main()

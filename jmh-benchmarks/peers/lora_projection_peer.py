#!/usr/bin/python3
"""The PyTorch peer of LoraProjectionBenchmark: a 1536x1536 projection with bias (Qwen2-VL-2B's q_proj) on 256
tokens, forward plus backward, frozen alone versus wrapped with LoRA r 16, alpha 32, no dropout, in plain PyTorch
the way PEFT's lora.Linear computes it: y = x W^T + b + (x A^T) B^T * alpha / r. In both cases the input requires
its gradient (the layers below train), the frozen weight and bias do not, and A and B do. B starts at 0.01 * randn
rather than PEFT's zeros, as in the JMH benchmark, so that no product is trivially zero.

What is timed: one call of forward + backward(grad_out), the same as JMH's frozenForwardBackward and
loraForwardBackward; for LoRA the gradients of A and B are reset after each call, as the benchmark does.

Run: /usr/bin/python3 jmh-benchmarks/peers/lora_projection_peer.py THREADS [--seconds S]
After a warm-up of S seconds (default 5), five measurement windows of S seconds each; prints the best and the
median window's mean time per call in milliseconds, and the ratio LoRA / frozen.
"""
import argparse
import os
import statistics
import sys
import time

if __name__ == "__main__":
    _threads = next((a for a in sys.argv[1:] if a.isdigit()), "1")
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = _threads

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

DIM, TOKENS, RANK, ALPHA = 1536, 256, 16, 32


def windows(fn, seconds, count=5):
    """Mean ms per call in each of `count` windows of `seconds`, after a warm-up window."""
    def window():
        calls, t0 = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            t = time.perf_counter() - t0
            if t >= seconds:
                return 1000 * t / calls
    window()
    return [window() for _ in range(count)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("threads", type=int)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(1)
    w = torch.empty(DIM, DIM).uniform_(-DIM ** -0.5, DIM ** -0.5, generator=g)
    b = torch.empty(DIM).uniform_(-DIM ** -0.5, DIM ** -0.5, generator=g)
    lora_a = torch.empty(RANK, DIM).uniform_(-DIM ** -0.5, DIM ** -0.5, generator=g).requires_grad_(True)
    lora_b = (0.01 * torch.randn(DIM, RANK, generator=g)).requires_grad_(True)
    x = torch.randn(1, TOKENS, DIM, generator=g)
    grad_out = torch.randn(1, TOKENS, DIM, generator=g)
    scaling = ALPHA / RANK

    def frozen():
        inp = x.detach().requires_grad_(True)
        F.linear(inp, w, b).backward(grad_out)
        return inp.grad

    def lora():
        inp = x.detach().requires_grad_(True)
        y = F.linear(inp, w, b) + F.linear(F.linear(inp, lora_a), lora_b) * scaling
        y.backward(grad_out)
        lora_a.grad = None
        lora_b.grad = None
        return inp.grad

    results = {}
    for name, fn in (("frozenForwardBackward", frozen), ("loraForwardBackward", lora)):
        ms = windows(fn, args.seconds)
        results[name] = statistics.median(ms)
        print(f"pytorch {torch.__version__} threads {args.threads}: {name} best {min(ms):.3f} ms, "
              f"median {statistics.median(ms):.3f} ms", flush=True)
    print(f"ratio lora / frozen (medians): {results['loraForwardBackward'] / results['frozenForwardBackward']:.3f}")


if __name__ == "__main__":
    main()

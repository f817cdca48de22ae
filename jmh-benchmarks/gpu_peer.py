#!/usr/bin/env python3
"""Times the OpenCL benchmark shapes with PyTorch on CUDA (TF32 off) and prints GFLOP/s next to the JMH figures.

Usage: gpu_peer.py OPENCL_JMH_JSON. Without a CUDA build of torch it prints the OpenCL figures alone and says so.
GEMM FLOPs are 2 M N K; attention FLOPs 4 L^2 D H, halved for causal (what the kernels compute).
"""
import json
import sys


def flops(bench, p):
    if bench == "gemm":
        m, k, n = (int(x) for x in p["shape"].split("x"))
        return 2.0 * m * n * k
    seq, heads, d = int(p["seq"]), int(p["heads"]), int(p["headDim"])
    f = 4.0 * seq * seq * d * heads
    return f / 2 if p["causal"] == "true" else f


def key(bench, p):
    if bench == "gemm":
        return ("gemm", p["shape"], p["weights"])
    return ("attention", p["seq"], p["heads"], p["headDim"], p["causal"])


def opencl_results(path):
    rows = {}
    for r in json.load(open(path)):
        bench = r["benchmark"].rsplit(".", 1)[1]
        bench = "gemm" if bench == "gemm" else "attention"
        p = r["params"]
        ms = r["primaryMetric"]["score"]
        rows[key(bench, p)] = (flops(bench, p), ms)
    return rows


def torch_time(k):
    import torch
    dev = "cuda"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    g = torch.Generator(device=dev).manual_seed(0)
    if k[0] == "gemm":
        m, kk, n = (int(x) for x in k[1].split("x"))
        wdt = torch.bfloat16 if k[2] == "BF16" else torch.float32
        a = torch.randn(m, kk, device=dev, generator=g)
        b = (torch.randn(kk, n, device=dev, generator=g) * 0.05).to(wdt)
        # like the OpenCL kernel: F32 activations times the weight widened to F32
        fn = (lambda: a @ b.float()) if wdt != torch.float32 else (lambda: a @ b)
    else:
        seq, heads, d, causal = int(k[1]), int(k[2]), int(k[3]), k[4] == "true"
        q, kk, v = (torch.randn(1, heads, seq, d, device=dev, generator=g) for _ in range(3))
        fn = lambda: torch.nn.functional.scaled_dot_product_attention(q, kk, v, is_causal=causal)
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    reps = 20
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / reps


def main():
    rows = opencl_results(sys.argv[1])
    try:
        import torch
        have_torch = torch.cuda.is_available()
        if have_torch:
            print("torch", torch.__version__, "on", torch.cuda.get_device_name(0), "(TF32 off)")
    except ImportError:
        have_torch = False
    if not have_torch:
        print("no CUDA build of torch here: OpenCL figures only")
    for k in sorted(rows):
        f, ms = rows[k]
        line = "%-45s opencl %9.3f ms %9.1f GFLOP/s" % (" ".join(k), ms, f / ms / 1e6)
        if have_torch:
            tms = torch_time(k)
            line += "   torch %9.3f ms %9.1f GFLOP/s   ratio %.2f" % (tms, f / tms / 1e6, tms / ms)
        print(line)


if __name__ == "__main__":
    main()

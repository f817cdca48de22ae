#!/usr/bin/python3
"""The PyTorch peer of Qwen2VL2bBenchmark: a Qwen2-VL-2B-shaped model with random weights, written as plain PyTorch
modules (no transformers), at the dimensions of Qwen2VL2bBenchmark.config():

  text:   vocabulary 151936, hidden 1536, 28 decoder layers, 12 query heads and 2 KV heads of 128, intermediate 8960;
          RMSNorm (eps 1e-6), q/k/v with bias, o without, M-RoPE (theta 1e6, sections 16/24/24), GQA attention under
          a causal mask, SwiGLU MLP, final RMSNorm; the LM head is not applied (none of the benchmarks needs logits)
  vision: patch rows of 1176 -> 1280, 32 blocks of width 1280 with 16 heads of 80: LayerNorm, fused qkv with bias,
          2-D rotary, full attention over the image, proj, LayerNorm, fc1 (5120) -> quick-GELU -> fc2; patch merger
          (LayerNorm, 4 rows -> 5120, Linear 5120 -> GELU -> Linear 5120 -> 1536)

What is timed, each under torch.no_grad() (inference), the same inputs as the JMH benchmark:
  textForward128       the decoder on 128 text tokens (embedding lookup, 28 layers, final norm)
  visionTower448       the vision tower on one 448x448 image: 1024 patch rows -> 256 merged tokens
  embeddingForward298  vision tower + 298-token decoder pass (20 text tokens, vision start, 256 image tokens,
                       vision end, 20 text tokens) + last-token L2-normalised embedding

Weights: F32, or BF16 stored and widened to F32 inside every projection (w.float() per call), which is what our
CPU backend does (it computes in F32 and widens BF16 weights while packing them); norms and biases stay F32. That
widening makes a full F32 copy of every weight on every call, so the BF16 timings of this mode are largely the cost
of the peer's copies, not of a BF16 product.

--bf16-native (with --weights BF16) is the alternative peer mode without the copy: each projection runs
F.linear(x.bfloat16(), w, b.bfloat16()).float(), a product of BF16 operands in PyTorch's own BF16 kernel, with the
activation rounded to BF16 on the way in and the result widened back to F32 (norms, attention and the rest stay
F32). It is not the arithmetic of our backend (ours computes in F32), its speed depends on whether the CPU has BF16
instructions and on the torch build, and it was not run for the README's figures.

Differences from Hugging Face transformers 4.57 (and from our implementation), none of which changes the amount of
work: attention is matmul + softmax + matmul on full score matrices (torch 1.13 has no scaled_dot_product_attention;
ours is a fused online-softmax kernel); the patch embedding is a Linear over the flattened 2x14x14x3 patch rather
than a Conv3d with stride = kernel (the same product); KV heads are repeated with repeat_interleave, as HF's
repeat_kv does.

Run (Debian's python3-torch; the thread count also sizes OpenBLAS's pool, which Debian's torch multiplies through):
  /usr/bin/python3 jmh-benchmarks/peers/qwen2vl_2b_peer.py THREADS [--weights F32|BF16] [--bf16-native] [--reps N]
      [--only textForward128,visionTower448,embeddingForward298]
Each benchmark runs once as a warm-up, then REPS (default 3) timed runs; one line per benchmark gives the best and the
median in seconds, and a last line the process's peak resident memory.
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

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

VOCAB, HIDDEN, INTER, LAYERS, HEADS, KV_HEADS, HEAD_DIM = 151936, 1536, 8960, 28, 12, 2, 128
ROPE_THETA, MROPE = 1e6, (16, 24, 24)
V_DEPTH, V_DIM, V_HEADS, V_INTER, PATCH_DIM, MERGE = 32, 1280, 16, 5120, 1176, 2
IMAGE_TOKEN, VISION_START, VISION_END = 151655, 151652, 151653


class Lin(nn.Module):
    """A frozen-weight Linear whose weight is stored in `dtype` and widened to F32 for the product, or, with
    `Lin.bf16_native` set, multiplied in BF16 as stored (the input and bias rounded to BF16, the result widened)."""

    bf16_native = False

    def __init__(self, fan_in, fan_out, bias, dtype):
        super().__init__()
        w = torch.empty(fan_out, fan_in).normal_(0, 0.02)
        self.weight = nn.Parameter(w.to(dtype), requires_grad=False)
        self.bias = nn.Parameter(torch.empty(fan_out).normal_(0, 0.02), requires_grad=False) if bias else None

    def forward(self, x):
        if self.weight.dtype == torch.float32:
            return F.linear(x, self.weight, self.bias)
        if Lin.bf16_native:
            b = None if self.bias is None else self.bias.bfloat16()
            return F.linear(x.bfloat16(), self.weight, b).float()
        return F.linear(x, self.weight.float(), self.bias)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim), requires_grad=False)
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rotary(x, cos, sin):
    return x * cos + rotate_half(x) * sin


class TextAttention(nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.q_proj = Lin(HIDDEN, HEADS * HEAD_DIM, True, dtype)
        self.k_proj = Lin(HIDDEN, KV_HEADS * HEAD_DIM, True, dtype)
        self.v_proj = Lin(HIDDEN, KV_HEADS * HEAD_DIM, True, dtype)
        self.o_proj = Lin(HEADS * HEAD_DIM, HIDDEN, False, dtype)

    def forward(self, x, cos, sin, mask):
        b, n, _ = x.shape
        q = self.q_proj(x).view(b, n, HEADS, HEAD_DIM).transpose(1, 2)
        k = self.k_proj(x).view(b, n, KV_HEADS, HEAD_DIM).transpose(1, 2)
        v = self.v_proj(x).view(b, n, KV_HEADS, HEAD_DIM).transpose(1, 2)
        q, k = rotary(q, cos, sin), rotary(k, cos, sin)
        k = k.repeat_interleave(HEADS // KV_HEADS, dim=1)
        v = v.repeat_interleave(HEADS // KV_HEADS, dim=1)
        s = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(HEAD_DIM) + mask
        o = torch.matmul(torch.softmax(s, dim=-1), v)
        return self.o_proj(o.transpose(1, 2).reshape(b, n, HEADS * HEAD_DIM))


class SwiGlu(nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.gate_proj = Lin(HIDDEN, INTER, False, dtype)
        self.up_proj = Lin(HIDDEN, INTER, False, dtype)
        self.down_proj = Lin(INTER, HIDDEN, False, dtype)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.input_layernorm = RMSNorm(HIDDEN)
        self.self_attn = TextAttention(dtype)
        self.post_attention_layernorm = RMSNorm(HIDDEN)
        self.mlp = SwiGlu(dtype)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class TextModel(nn.Module):
    def __init__(self, dtype, layers=LAYERS):
        super().__init__()
        self.embed_tokens = nn.Parameter(torch.empty(VOCAB, HIDDEN).normal_(0, 0.02).to(dtype), requires_grad=False)
        self.layers = nn.ModuleList(DecoderLayer(dtype) for _ in range(layers))
        self.norm = RMSNorm(HIDDEN)

    def embed(self, ids):
        return F.embedding(ids, self.embed_tokens).float()

    def forward(self, embeds, positions):
        """embeds [B, L, H]; positions [3, B, L] (M-RoPE t/h/w)."""
        cos, sin = mrope(positions)
        n = embeds.shape[1]
        mask = torch.full((n, n), float("-inf")).triu(1)
        x = embeds
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x)


def mrope(positions):
    """cos, sin [B, 1, L, 128]: frequency i takes the t, h or w position by the 16/24/24 sections."""
    inv = 1.0 / (ROPE_THETA ** (torch.arange(0, HEAD_DIM, 2, dtype=torch.float32) / HEAD_DIM))
    ang = positions.float()[..., None] * inv  # [3, B, L, 64]
    parts, start = [], 0
    for axis, width in enumerate(MROPE):
        parts.append(ang[axis, ..., start:start + width])
        start += width
    ang = torch.cat(parts, dim=-1)
    emb = torch.cat((ang, ang), dim=-1)[:, None]
    return emb.cos(), emb.sin()


class VisionAttention(nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.qkv = Lin(V_DIM, 3 * V_DIM, True, dtype)
        self.proj = Lin(V_DIM, V_DIM, True, dtype)

    def forward(self, x, cos, sin):
        n = x.shape[0]
        hd = V_DIM // V_HEADS
        q, k, v = self.qkv(x).view(n, 3, V_HEADS, hd).permute(1, 2, 0, 3)  # each [heads, N, hd]
        q, k = rotary(q, cos, sin), rotary(k, cos, sin)
        s = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(hd)  # one image: attention over all its patches
        o = torch.matmul(torch.softmax(s, dim=-1), v)
        return self.proj(o.transpose(0, 1).reshape(n, V_DIM))


class VisionBlock(nn.Module):
    def __init__(self, dtype):
        super().__init__()
        self.norm1 = nn.LayerNorm(V_DIM, eps=1e-6)
        self.norm2 = nn.LayerNorm(V_DIM, eps=1e-6)
        self.attn = VisionAttention(dtype)
        self.fc1 = Lin(V_DIM, V_INTER, True, dtype)
        self.fc2 = Lin(V_INTER, V_DIM, True, dtype)

    def forward(self, x, cos, sin):
        x = x + self.attn(self.norm1(x), cos, sin)
        h = self.fc1(self.norm2(x))
        return x + self.fc2(h * torch.sigmoid(1.702 * h))  # quick-GELU


class VisionTower(nn.Module):
    def __init__(self, dtype, depth=V_DEPTH):
        super().__init__()
        self.patch_embed = Lin(PATCH_DIM, V_DIM, False, dtype)
        self.blocks = nn.ModuleList(VisionBlock(dtype) for _ in range(depth))
        self.ln_q = nn.LayerNorm(V_DIM, eps=1e-6)
        self.mlp0 = Lin(V_DIM * MERGE * MERGE, V_DIM * MERGE * MERGE, True, dtype)
        self.mlp2 = Lin(V_DIM * MERGE * MERGE, HIDDEN, True, dtype)
        for p in self.parameters():
            p.requires_grad_(False)

    def forward(self, pixels, grid_h, grid_w):
        x = self.patch_embed(pixels)
        cos, sin = vision_rotary(grid_h, grid_w)
        for block in self.blocks:
            x = block(x, cos, sin)
        x = self.ln_q(x).view(-1, V_DIM * MERGE * MERGE)
        return self.mlp2(F.gelu(self.mlp0(x)))


def vision_rotary(gh, gw):
    """cos, sin [N, 80] of the 2-D rotary: 20 frequencies of the row and 20 of the column, rows in merge order."""
    hd = V_DIM // V_HEADS
    hpos = torch.arange(gh)[:, None].expand(gh, gw)
    wpos = torch.arange(gw)[None, :].expand(gh, gw)
    order = lambda p: p.reshape(gh // MERGE, MERGE, gw // MERGE, MERGE).permute(0, 2, 1, 3).flatten()  # noqa: E731
    pos = torch.stack((order(hpos), order(wpos)), dim=-1).float()  # [N, 2]
    dim = hd // 2
    inv = 1.0 / (10000 ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    ang = (pos[..., None] * inv).flatten(1)  # [N, 40]
    emb = torch.cat((ang, ang), dim=-1)
    return emb.cos(), emb.sin()


class Qwen2VL(nn.Module):
    def __init__(self, dtype, text_layers=LAYERS, vision_depth=V_DEPTH):
        super().__init__()
        self.visual = VisionTower(dtype, vision_depth)
        self.model = TextModel(dtype, text_layers)

    def embed(self, ids, pixels, grids):
        """L2-normalised final hidden state of each row's last token [B, H] (UGE's embedding; rows are unpadded)."""
        x = self.model.embed(ids)
        if pixels is not None:
            feats, start = [], 0
            for g in grids:
                rows = g[0] * g[1] * g[2]
                feats.append(self.visual(pixels[start:start + rows], g[1], g[2]))
                start += rows
            x = x.clone()
            x[ids == IMAGE_TOKEN] = torch.cat(feats).to(x.dtype)
        h = self.model(x, rope_positions(ids, grids))
        return F.normalize(h[:, -1], dim=-1)


def rope_positions(ids, grids):
    """M-RoPE ids [3, B, L]: text tokens count up on all three axes; an image's tokens take (t, h, w) of its merged
    grid after the preceding text, and the text after it resumes past the image's largest position."""
    b, n = ids.shape
    pos = torch.zeros(3, b, n, dtype=torch.long)
    for r in range(b):
        img = 0
        nxt = 0
        i = 0
        while i < n:
            if ids[r, i] == IMAGE_TOKEN:
                t, gh, gw = grids[img]
                gh, gw = gh // MERGE, gw // MERGE
                count = t * gh * gw
                tt = torch.arange(t).repeat_interleave(gh * gw)
                hh = torch.arange(gh).repeat_interleave(gw).repeat(t)
                ww = torch.arange(gw).repeat(t * gh)
                pos[:, r, i:i + count] = torch.stack((tt, hh, ww)) + nxt
                nxt = int(pos[:, r, i:i + count].max()) + 1
                i += count
                img += 1
            else:
                pos[:, r, i] = nxt
                nxt += 1
                i += 1
    return pos


def benchmark_inputs():
    """The JMH benchmark's inputs: the 298-token image+text row and the 128-token text row."""
    g = torch.Generator().manual_seed(5)
    pixels = torch.randn(1024, PATCH_DIM, generator=g)
    n = 256 + 42
    ids = torch.tensor([[1000 + (i * 7919) % 50000 for i in range(n)]])
    ids[0, 20] = VISION_START
    ids[0, 21:21 + 256] = IMAGE_TOKEN
    ids[0, 21 + 256] = VISION_END
    text = torch.tensor([[1000 + (i * 104729) % 50000 for i in range(128)]])
    return pixels, ids, text


def timed(name, fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("threads", type=int)
    ap.add_argument("--weights", choices=("F32", "BF16"), default="F32")
    ap.add_argument("--bf16-native", action="store_true",
                    help="with --weights BF16: multiply the BF16 weights in BF16 instead of widening them per call")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="textForward128,visionTower448,embeddingForward298")
    args = ap.parse_args()
    if args.bf16_native and args.weights != "BF16":
        ap.error("--bf16-native needs --weights BF16")
    Lin.bf16_native = args.bf16_native
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dtype = torch.float32 if args.weights == "F32" else torch.bfloat16
    model = Qwen2VL(dtype).eval()
    pixels, ids, text = benchmark_inputs()
    grids = [(1, 32, 32)]
    runs = {
        "textForward128": lambda: model.model(model.model.embed(text), rope_positions(text, [])),
        "visionTower448": lambda: model.visual(pixels, 32, 32),
        "embeddingForward298": lambda: model.embed(ids, pixels, grids),
    }
    for name in args.only.split(","):
        with torch.no_grad():
            times = timed(name, runs[name], args.reps)
        mode = args.weights + (" native" if args.bf16_native else "")
        print(f"pytorch {torch.__version__} threads {args.threads} weights {mode}: {name} "
              f"best {min(times):.3f} s, median {statistics.median(times):.3f} s "
              f"(runs {', '.join(f'{t:.3f}' for t in times)})", flush=True)
    print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The PyTorch peer of GATv2LayerBenchmark: one GATv2 layer written in plain PyTorch the way PyG 2.7's GATv2Conv
computes it (concat=False, share_weights=False, negative_slope 0.2, self-loops with fill_value 'mean', attention
dropout 0.1 in training), forward and backward on the benchmark's random graph shape: 1,000 nodes, 8,000 edges,
hidden size 1536, 4 heads, edge features of width 64, node and edge features requiring gradients.

Usage: gatv2_peer.py THREADS [REPS]. Prints one line: "pytorch VERSION threads T: mean S s/op, best S s/op" over REPS
timed steps after one warm-up step (the JMH run's -wi 1 -i REPS in single-shot mode). Needs torch (Debian:
python3-torch).
"""
import os
import sys
import time
import warnings

if __name__ == "__main__" and len(sys.argv) > 1:
    # OpenBLAS (Debian's torch multiplies through it) sizes its own pool from these, not from torch.set_num_threads
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = sys.argv[1]

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

NODES, EDGES, HIDDEN, HEADS, EDGE_DIM = 1000, 8000, 1536, 4, 64


class GATv2(torch.nn.Module):
    def __init__(self, hidden, heads, edge_dim):
        super().__init__()
        self.heads, self.channels = heads, hidden
        self.lin_l = torch.nn.Linear(hidden, heads * hidden)
        self.lin_r = torch.nn.Linear(hidden, heads * hidden)
        self.lin_edge = torch.nn.Linear(edge_dim, heads * hidden, bias=False)
        self.att = torch.nn.Parameter(torch.randn(1, heads, hidden) / hidden ** 0.5)
        self.bias = torch.nn.Parameter(torch.zeros(hidden))

    def forward(self, x, src, dst, edge_attr):
        n, h, c = x.size(0), self.heads, self.channels
        # remove_self_loops, then add_self_loops with fill_value='mean' (scatter-mean of incoming edge features)
        keep = src != dst
        src, dst, edge_attr = src[keep], dst[keep], edge_attr[keep]
        degree = torch.zeros(n).index_add_(0, dst, torch.ones(dst.numel())).clamp_(min=1)
        loop_attr = torch.zeros(n, edge_attr.size(1)).index_add_(0, dst, edge_attr) / degree.unsqueeze(1)
        loops = torch.arange(n)
        src, dst = torch.cat([src, loops]), torch.cat([dst, loops])
        edge_attr = torch.cat([edge_attr, loop_attr])
        x_l = self.lin_l(x).view(n, h, c)
        x_r = self.lin_r(x).view(n, h, c)
        x_j = x_l.index_select(0, src)
        e = x_r.index_select(0, dst) + x_j + self.lin_edge(edge_attr).view(-1, h, c)
        logit = (F.leaky_relu(e, 0.2) * self.att).sum(-1)
        # PyG's softmax over the edges into each target: max-subtracted, 1e-16 added to the denominator
        index = dst.unsqueeze(1).expand(-1, h)
        top = torch.full((n, h), float("-inf")).scatter_reduce(0, index, logit.detach(), "amax", include_self=True)
        ex = (logit - top.index_select(0, dst)).exp()
        den = torch.zeros(n, h).index_add_(0, dst, ex)
        alpha = F.dropout(ex / (den.index_select(0, dst) + 1e-16), 0.1, training=self.training)
        out = torch.zeros(n, h, c).index_add_(0, dst, x_j * alpha.unsqueeze(-1))
        return out.mean(1) + self.bias


def main():
    warnings.filterwarnings("ignore", message="scatter_reduce")
    threads = int(sys.argv[1])
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    layer = GATv2(HIDDEN, HEADS, EDGE_DIM).train()
    src = torch.randint(0, NODES, (EDGES,))
    dst = torch.randint(0, NODES, (EDGES,))
    x = torch.randn(NODES, HIDDEN, requires_grad=True)
    edge_attr = torch.randn(EDGES, EDGE_DIM, requires_grad=True)
    upstream = torch.randn(NODES, HIDDEN)
    times = []
    for step in range(reps + 1):
        layer.zero_grad(set_to_none=True)
        x.grad = edge_attr.grad = None
        start = time.perf_counter()
        layer(x, src, dst, edge_attr).backward(upstream)
        if step > 0:
            times.append(time.perf_counter() - start)
    print("pytorch %s threads %d: mean %.3f s/op, best %.3f s/op"
          % (torch.__version__, threads, sum(times) / len(times), min(times)))


if __name__ == "__main__":
    main()

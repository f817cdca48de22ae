package org.urbangraph.kernels;

/** Reductions along one dimension. ARGMAX/ARGMIN write I64 indices (first maximum wins, as PyTorch on CPU). */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN, ARGMAX, ARGMIN, LOGSUMEXP, SUM_SQUARES
}

package org.urbangraph.graph;

/** The message-passing layer of the encoder (the reference's {@code use_gat} switch). */
public enum ConvType {
    /** GATv2 with edge features, heads averaged: UGE's choice. */
    GATV2,
    /** Symmetric-normalised GCN: the authors' alternative. It takes no edge features. */
    GCN
}

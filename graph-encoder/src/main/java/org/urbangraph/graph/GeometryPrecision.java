package org.urbangraph.graph;

/** How the edge geometry (distance, bearing, displacement) is computed from the node positions. */
public enum GeometryPrecision {
    /**
     * Double precision from the coordinates as given, rounded to float only at the end. The default: the
     * reference's float32 arithmetic loses up to ~0.8 m of distance and ~5e-3 rad of bearing to cancellation
     * between nearby points.
     */
    DOUBLE,
    /**
     * The reference's float32 arithmetic, operation by operation, on float32 coordinates: for reproducing
     * embeddings of the PyTorch implementation to float32 rounding (parity tests, comparisons with models trained
     * there).
     */
    FLOAT32_REFERENCE
}

package org.urbangraph.graph;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.tensor.nn.MLP;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;

/**
 * Edge features from the geometry of each edge, as the reference's {@code GeodesicEdgeEncoder}: each enabled
 * component through its own MLP (Linear(k, d), ReLU, Dropout, Linear(d, d)) - {@code distance_encoder} on
 * log1p(metres), {@code direction_encoder} on (sin, cos) of the bearing, {@code displacement_encoder} on
 * (dlon, dlat) - then, concatenated in that order, {@code edge_combiner} = Linear(kd, 2d), ReLU, Dropout,
 * Linear(2d, d), LayerNorm(d).
 */
final class GeodesicEdgeEncoder extends Module {

    private final MLP distance;
    private final MLP direction;
    private final MLP displacement;
    private final MLP combiner;
    private final GeometryPrecision precision;

    GeodesicEdgeEncoder(int edgeDim, boolean useDistance, boolean useDirection, boolean useDisplacement,
                        GeometryPrecision precision, double dropout, Rng rng) {
        this.precision = precision;
        this.distance = useDistance ? child("distance_encoder", component(1, edgeDim, dropout, rng)) : null;
        this.direction = useDirection ? child("direction_encoder", component(2, edgeDim, dropout, rng)) : null;
        this.displacement = useDisplacement ? child("displacement_encoder", component(2, edgeDim, dropout, rng)) : null;
        int parts = (useDistance ? 1 : 0) + (useDirection ? 1 : 0) + (useDisplacement ? 1 : 0);
        this.combiner = child("edge_combiner", new MLP(new int[] {parts * edgeDim, 2 * edgeDim, edgeDim},
                Activation.RELU, dropout, true, rng));
    }

    private static MLP component(int in, int edgeDim, double dropout, Rng rng) {
        return new MLP(new int[] {in, edgeDim, edgeDim}, Activation.RELU, dropout, false, rng);
    }

    /** [E, edgeDim] features of the batch's edges, in edge order. */
    Tensor forward(GraphBatch batch, Trace trace) {
        int e = batch.numEdges();
        EdgeGeometry g = EdgeGeometry.of(batch, precision);
        if (trace.enabled()) {
            traceInputs(batch, g, trace);
        }
        List<Tensor> parts = new ArrayList<>();
        if (distance != null) {
            Tensor in = trace.put("edge.log1p_distance", Tensor.of(g.log1pDistance(), e, 1));
            parts.add(trace.put("edge.distance_feats", distance.forward(in)));
        }
        if (direction != null) {
            Tensor in = trace.put("edge.direction_input", Tensor.of(g.direction(), e, 2));
            parts.add(trace.put("edge.direction_feats", direction.forward(in)));
        }
        if (displacement != null) {
            Tensor in = trace.put("edge.displacement", Tensor.of(g.displacement(), e, 2));
            parts.add(trace.put("edge.displacement_feats", displacement.forward(in)));
        }
        Tensor combined = trace.put("edge.combined", parts.size() == 1 ? parts.get(0) : Layout.cat(parts, 1));
        return combiner.forward(combined);
    }

    private static void traceInputs(GraphBatch batch, EdgeGeometry g, Trace trace) {
        double[] lon = batch.lon();
        double[] lat = batch.lat();
        int[] src = batch.source();
        int[] dst = batch.target();
        float[] s = new float[2 * src.length];
        float[] t = new float[2 * src.length];
        long[] index = new long[2 * src.length];
        for (int i = 0; i < src.length; i++) {
            s[2 * i] = (float) lon[src[i]];
            s[2 * i + 1] = (float) lat[src[i]];
            t[2 * i] = (float) lon[dst[i]];
            t[2 * i + 1] = (float) lat[dst[i]];
            index[i] = src[i];
            index[src.length + i] = dst[i];
        }
        trace.put("edge_index", Tensor.of(index, 2, src.length));
        trace.put("edge.src_coords", Tensor.of(s, src.length, 2));
        trace.put("edge.tgt_coords", Tensor.of(t, src.length, 2));
        trace.put("edge.distance_m", Tensor.of(g.distanceM(), src.length));
        trace.put("edge.bearing", Tensor.of(g.bearing(), src.length));
    }
}

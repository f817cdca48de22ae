package org.urbangraph.graph;

/**
 * The multi-scale sinusoidal coordinate encoding of PE-GNN as UGE uses it (no parameters): for each coordinate
 * (lon, then lat), each of {@code frequencyNum} frequencies in geometric progression, the sine and then the cosine
 * of coordinate x frequency. With the reference's radii (min 1e-6, max 360 degrees) the first frequency is 1e6 per
 * degree, so angles reach 1e8 rad: they are computed in double, as the reference computes them in numpy float64,
 * and rounded to float at the end. The coordinates themselves are float32 first, as the reference's coordinate
 * tensor is; at 1e8 rad any other rounding of the input would give unrelated values at the high frequencies.
 */
public final class SinusoidalEncoding {

    private final double[] frequencies;

    public SinusoidalEncoding(int frequencyNum, double minRadius, double maxRadius) {
        if (frequencyNum < 2) {
            throw new IllegalArgumentException("the coordinate encoding needs at least 2 frequencies, got " + frequencyNum);
        }
        if (!(minRadius > 0) || !(maxRadius > minRadius)) {
            throw new IllegalArgumentException("the coordinate encoding needs 0 < min_radius < max_radius, got "
                    + minRadius + " and " + maxRadius);
        }
        frequencies = new double[frequencyNum];
        double increment = Math.log(maxRadius / minRadius) / (frequencyNum - 1);
        for (int i = 0; i < frequencyNum; i++) {
            double timescale = minRadius * Math.exp(i * increment);
            frequencies[i] = 1.0 / timescale;
        }
    }

    /** The frequencies (per degree), highest first. */
    public double[] frequencies() {
        return frequencies.clone();
    }

    /** Output width per node: 2 coordinates x frequencies x (sin, cos). */
    public int dim() {
        return 4 * frequencies.length;
    }

    /** Encodes n positions, row-major [n, dim()]. */
    public float[] encode(double[] lon, double[] lat) {
        int f = frequencies.length;
        int width = dim();
        float[] out = new float[lon.length * width];
        for (int node = 0; node < lon.length; node++) {
            double[] coord = {(float) lon[node], (float) lat[node]};
            for (int c = 0; c < 2; c++) {
                for (int k = 0; k < f; k++) {
                    double angle = coord[c] * frequencies[k];
                    int at = node * width + c * 2 * f + 2 * k;
                    out[at] = (float) Math.sin(angle);
                    out[at + 1] = (float) Math.cos(angle);
                }
            }
        }
        return out;
    }
}

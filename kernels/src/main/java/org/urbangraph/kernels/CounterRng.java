package org.urbangraph.kernels;

/**
 * A counter-based random stream: value i is a pure function of (seed, i), so numbers do not depend on thread
 * count, tiling or backend, and a kernel can draw element i anywhere. The mixer is SplitMix64's finaliser applied to
 * {@code seed * K1 + i * K2}; OpenCL kernels use the same 64-bit integer arithmetic.
 */
public final class CounterRng {
    private CounterRng() {}

    static final long K1 = 0x9E3779B97F4A7C15L;
    static final long K2 = 0xD1B54A32D192ED03L;

    public static long bits(long seed, long i) {
        long z = seed * K1 + (i + 1) * K2;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 24 random bits: exact in float. */
    public static float uniform(long seed, long i) {
        return (bits(seed, i) >>> 40) * 0x1.0p-24f;
    }

    /** Standard normal: Box-Muller over the pair (2p, 2p+1) that holds i; even i takes the cosine, odd the sine. */
    public static float normal(long seed, long i) {
        long p = i >>> 1;
        float u1 = uniform(seed, 2 * p);
        float u2 = uniform(seed, 2 * p + 1);
        float r = (float) Math.sqrt(-2.0 * Math.log(1.0 - u1));
        double theta = 2.0 * Math.PI * u2;
        return (float) (r * ((i & 1) == 0 ? Math.cos(theta) : Math.sin(theta)));
    }
}

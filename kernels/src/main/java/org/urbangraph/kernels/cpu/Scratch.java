package org.urbangraph.kernels.cpu;

/**
 * Per-thread F32 scratch arrays, reused across kernel calls so that hot loops allocate nothing. Slot numbers are
 * fixed per use site ({@link #A} ...); a kernel must not hand a slot to code that uses the same slot.
 */
final class Scratch {
    private Scratch() {}

    static final int A = 0;
    static final int B = 1;
    static final int C = 2;
    static final int D = 3;
    static final int E = 4;
    static final int F = 5;
    static final int G = 6;
    static final int H = 7;
    private static final int SLOTS = 8;

    private static final ThreadLocal<float[][]> ARRAYS = ThreadLocal.withInitial(() -> new float[SLOTS][]);
    private static final ThreadLocal<long[][]> LONGS = ThreadLocal.withInitial(() -> new long[SLOTS][]);

    /** A scratch array of at least {@code size} elements (contents undefined). */
    static float[] get(int slot, int size) {
        float[][] all = ARRAYS.get();
        float[] a = all[slot];
        if (a == null || a.length < size) {
            a = new float[Math.max(size, a == null ? 0 : a.length * 2)];
            all[slot] = a;
        }
        return a;
    }

    /** A long scratch array of at least {@code size} elements (contents undefined), for exact integer kernels. */
    static long[] getLong(int slot, int size) {
        long[][] all = LONGS.get();
        long[] a = all[slot];
        if (a == null || a.length < size) {
            a = new long[Math.max(size, a == null ? 0 : a.length * 2)];
            all[slot] = a;
        }
        return a;
    }
}

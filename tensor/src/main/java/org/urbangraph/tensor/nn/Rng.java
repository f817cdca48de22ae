package org.urbangraph.tensor.nn;

import org.urbangraph.kernels.CounterRng;

/**
 * A seed stream for initialisation and dropout: each {@link #next()} returns a fresh 64-bit seed derived from
 * (seed, counter). Its whole state is two longs, so a checkpoint can save and restore it exactly.
 */
public final class Rng {
    private final long seed;
    private long counter;

    public Rng(long seed) {
        this(seed, 0);
    }

    public Rng(long seed, long counter) {
        this.seed = seed;
        this.counter = counter;
    }

    public synchronized long next() {
        return CounterRng.bits(seed, counter++);
    }

    public long seed() {
        return seed;
    }

    public synchronized long counter() {
        return counter;
    }

    public synchronized void setCounter(long c) {
        counter = c;
    }
}

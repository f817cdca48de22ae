package org.urbangraph.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;

/** Sums and extrema of integer tensors are exact I64 values, beyond the 2^24 that an F32 accumulator holds. */
class IntegerReductionsTest {

    @Test
    void sumMaxAndArgmaxOfLargeIntegers() {
        long p24 = 1L << 24;
        long p40 = 1L << 40;
        Backend saved = Backends.current();
        try {
            for (String name : new String[] {"reference", "cpu"}) {
                Backends.setCurrent(Backends.byName(name));
                assertEquals(p24 + 2, Tensor.of(new long[] {p24 + 1, 1}, 2).sum().toLongArray()[0], name);
                assertEquals(p24 + 1, Tensor.of(new long[] {p24 + 1, p24}, 2).max(0, false).toLongArray()[0], name);
                assertEquals(1, Tensor.of(new long[] {p24, p24 + 1}, 2).argmax(0, false).toLongArray()[0], name);
                Tensor big = Tensor.of(new long[] {p40 + 1, p40 + 3, p40 + 2, 5, -p40, 7}, 2, 3);
                assertEquals(3 * p40 + 6, big.sum(1, false).toLongArray()[0], name);
                assertEquals(p40 + 3, big.max(1, false).toLongArray()[0], name);
                assertEquals(1, big.argmax(1, false).toLongArray()[0], name);
                assertEquals(p40 + 6, big.sum(0, false).toLongArray()[0], name);
            }
        } finally {
            Backends.setCurrent(saved);
        }
    }
}

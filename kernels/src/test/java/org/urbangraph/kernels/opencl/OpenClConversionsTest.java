package org.urbangraph.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.urbangraph.kernels.opencl.ClTestSupport.REF;
import static org.urbangraph.kernels.opencl.ClTestSupport.backend;
import static org.urbangraph.kernels.opencl.ClTestSupport.ids;
import static org.urbangraph.kernels.opencl.ClTestSupport.random;
import static org.urbangraph.kernels.opencl.ClTestSupport.zeros;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.opencl.ClTestSupport.Pair;
import org.urbangraph.testkit.Approx;

/**
 * What the shared parity suite does not reach and the OpenCL backend does its own way: F64 without device fp64
 * (software conversions), integer errors raised from the device's error flag with the reference's wording, and
 * accumulation into narrow types in index order.
 */
class OpenClConversionsTest {

    private static void assertBitwise(String what, Pair p) {
        Approx.assertClose(what, p.hostValues(), p.devValues(), 0, 0);
    }

    @Test
    void f64IsConvertedInSoftwareExactlyAsTheHostDoes() {
        Pair x = random(DType.F32, 1, 1e3, 7, 33).permute(1, 0);
        Pair d = zeros(DType.F64, 33, 7);
        REF.copy(x.host(), d.host());
        backend().copy(x.dev(), d.dev());
        assertBitwise("F32 -> F64", d);

        // doubles that are not floats round to nearest even on the way back, including subnormals and overflow
        double[] tricky = {1.0 + 0x1.0p-24, 1.0 + 0x1.8p-24, -3.0000001192092896, 0x1.0p-140, 1e39, -1e-50,
            Double.NaN, Double.NEGATIVE_INFINITY, 123456789.123, -0.0};
        Pair src = ClTestSupport.upload(View.contiguous(
                new org.urbangraph.kernels.HostBuffer(MemorySegment.ofArray(tricky.clone())), DType.F64, 0,
                tricky.length));
        for (DType t : new DType[] {DType.F32, DType.BF16, DType.I64, DType.I32}) {
            Pair out = zeros(t, tricky.length);
            REF.copy(src.host(), out.host());
            backend().copy(src.dev(), out.dev());
            assertBitwise("F64 -> " + t, out);
        }
        Pair big = random(DType.I64, 2, 1e17, 257);
        Pair bigD = zeros(DType.F64, 257);
        REF.copy(big.host(), bigD.host());
        backend().copy(big.dev(), bigD.dev());
        assertBitwise("I64 -> F64 (beyond 2^53, rounded to nearest even)", bigD);
    }

    @Test
    void eightBitFloatsAreReadLikeTheHostAndNeverWritten() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        for (DType t : new DType[] {DType.F8_E4M3, DType.F8_E5M2}) {
            Pair src = ClTestSupport.upload(View.contiguous(
                    new org.urbangraph.kernels.HostBuffer(MemorySegment.ofArray(all.clone())), t, 0, 256));
            Pair out = zeros(DType.F32, 256);
            REF.copy(src.host(), out.host());
            backend().copy(src.dev(), out.dev());
            assertBitwise(t + " -> F32, every byte", out);
            assertThrows(UnsupportedOperationException.class, () -> backend().fill(src.dev(), 1));
        }
    }

    @Test
    void integerDivisionByZeroIsReported() {
        Pair a = random(DType.I64, 3, 50, 33);
        Pair b = ids(DType.I32, 4, 3, 33); // about a third are zero
        Pair q = zeros(DType.I64, 33);
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> backend().binary(BinaryOp.DIV, a.dev(), b.dev(), q.dev()));
        int first = 0;
        while (b.hostValues()[first] != 0) {
            first++;
        }
        assertEquals(true, e.getMessage().startsWith("integer division by zero at element " + first + " "),
                e.getMessage());
    }

    @Test
    void badIdsRaiseTheReferenceMessageAtTheCall() {
        Pair x = random(DType.F32, 5, 1.0, 7, 33, 5);
        Pair bad = ids(DType.I64, 6, 40, 64); // ids up to 39 for 33 rows
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> backend().indexSelect(x.dev(), 1, bad.dev(), zeros(DType.F32, 7, 64, 5).dev()));
        IndexOutOfBoundsException r = assertThrows(IndexOutOfBoundsException.class,
                () -> REF.indexSelect(x.host(), 1, bad.host(), zeros(DType.F32, 7, 64, 5).host()));
        assertEquals(r.getMessage(), e.getMessage());
    }

    @Test
    void narrowAccumulationRoundsEachStepInIndexOrder() {
        Pair dst = random(DType.BF16, 7, 1.0, 33, 5);
        Pair src = random(DType.F32, 8, 1.0, 257, 5);
        Pair idx = ids(DType.I32, 9, 33, 257);
        REF.indexAdd(dst.host(), 0, idx.host(), src.host());
        backend().indexAdd(dst.dev(), 0, idx.dev(), src.dev());
        assertBitwise("index_add into BF16", dst);
        Pair counts = zeros(DType.I64, 9);
        Pair ones = random(DType.I32, 10, 0, 257);
        REF.fill(ones.host(), 3);
        backend().fill(ones.dev(), 3);
        Pair seg = ids(DType.I64, 11, 9, 257);
        REF.scatterAdd(counts.host(), 0, seg.host(), ones.host());
        backend().scatterAdd(counts.dev(), 0, seg.dev(), ones.dev());
        assertBitwise("integer scatter_add", counts);
    }
}

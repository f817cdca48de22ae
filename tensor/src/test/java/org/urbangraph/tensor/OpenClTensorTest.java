package org.urbangraph.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;
import org.urbangraph.kernels.opencl.ClBuffer;
import org.urbangraph.kernels.opencl.OpenClBackend;
import org.urbangraph.kernels.opencl.TransferStats;
import org.urbangraph.testkit.Approx;

/**
 * End to end through the tensor API on the OpenCL backend (what {@code -Dug.backend=opencl} selects): a small
 * attention block with layer norm, matmuls and softmax, forward and backward, gives the CPU's numbers, and no
 * tensor crosses to the host between the first op and the read-back of the results.
 */
class OpenClTensorTest {

    private Backend saved;

    @BeforeEach
    void remember() {
        saved = Backends.current();
    }

    @AfterEach
    void restore() {
        Backends.setCurrent(saved);
    }

    private static OpenClBackend openCl() {
        String reason = OpenClBackend.unavailableReason();
        assumeTrue(reason == null, () -> "skipped: no OpenCL platform found (" + reason + ")");
        Backend b = Backends.byName("opencl");
        return assertInstanceOf(OpenClBackend.class, b, "ug.backend=opencl must give the OpenCL backend");
    }

    /** Leaves and results of one forward and backward pass, created on the current backend. */
    private record Step(Tensor loss, Tensor x, Tensor wq, Tensor wkv, Tensor lnWeight, Tensor lnBias, Tensor probs) {}

    private static Step step() {
        int b = 2;
        int l = 7;
        int heads = 2;
        int kvHeads = 1;
        int d = 8;
        int hidden = heads * d;
        Tensor x = Tensor.randn(1, b, l, hidden).requiresGrad(true);
        Tensor wq = Tensor.randn(2, hidden, hidden).mul(0.25).detach().requiresGrad(true);
        Tensor wkv = Tensor.randn(3, hidden, 2 * kvHeads * d).mul(0.25).detach().requiresGrad(true);
        Tensor lnWeight = Tensor.randn(4, hidden).add(1.0).detach().requiresGrad(true);
        Tensor lnBias = Tensor.randn(5, hidden).mul(0.1).detach().requiresGrad(true);

        Tensor h = Functional.layerNorm(x, lnWeight, lnBias, 1e-5);
        Tensor q = h.matmul(wq).reshape(b, l, heads, d).permute(0, 2, 1, 3);
        Tensor kv = h.matmul(wkv).reshape(b, l, 2, kvHeads, d);
        Tensor k = kv.select(2, 0).permute(0, 2, 1, 3);
        Tensor v = kv.select(2, 1).permute(0, 2, 1, 3);
        Tensor att = Functional.attention(q, k, v, AttentionMask.CAUSAL, 1 / Math.sqrt(d));
        Tensor merged = att.permute(0, 2, 1, 3).reshape(b, l, hidden);
        Tensor probs = merged.matmul(wq.mT()).softmax(-1);
        Tensor target = Tensor.rand(6, b, l, hidden);
        Tensor loss = probs.sub(target).mul(probs.sub(target)).mean();
        loss.backward();
        return new Step(loss, x, wq, wkv, lnWeight, lnBias, probs);
    }

    @Test
    void forwardAndBackwardMatchTheCpuAndStayOnTheDevice() {
        OpenClBackend cl = openCl();

        Backends.setCurrent(Backends.byName("cpu"));
        Step cpu = step();

        Backends.setCurrent(cl);
        cl.finish();
        TransferStats.Snapshot before = cl.transferStats();
        Step dev = step();
        TransferStats.Snapshot during = cl.transferStats().minus(before);
        assertInstanceOf(ClBuffer.class, dev.probs().buffer(), "results live in device memory");
        assertInstanceOf(ClBuffer.class, dev.x().grad().buffer(), "gradients live in device memory");
        assertEquals(0, during.uploads(), "no host data is uploaded: inputs are generated on the device");
        assertEquals(0, during.roundTrips(), "no download or wait between ops: " + during);

        compare("loss", cpu.loss(), dev.loss(), 1e-6);
        compare("probs", cpu.probs(), dev.probs(), 1e-6);
        compare("dx", cpu.x().grad(), dev.x().grad(), 1e-6);
        compare("dWq", cpu.wq().grad(), dev.wq().grad(), 1e-6);
        compare("dWkv", cpu.wkv().grad(), dev.wkv().grad(), 1e-6);
        compare("dLnWeight", cpu.lnWeight().grad(), dev.lnWeight().grad(), 1e-6);
        compare("dLnBias", cpu.lnBias().grad(), dev.lnBias().grad(), 1e-6);

        TransferStats.Snapshot reads = cl.transferStats().minus(before);
        assertTrue(reads.downloads() >= 7, "each compared result was one explicit download: " + reads);
    }

    private static void compare(String what, Tensor expected, Tensor actual, double atol) {
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        assertTrue(Approx.maxAbsDiff(e, new float[e.length]) > 0, what + " is not all zeros");
        Approx.assertClose(what, e, a, atol, 1e-4);
    }
}

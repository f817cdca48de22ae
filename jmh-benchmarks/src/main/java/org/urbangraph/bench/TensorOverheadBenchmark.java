package org.urbangraph.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.cpu.CpuBackend;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;

/**
 * The cost of the tensor abstraction: a small element-wise add (64 elements) and a 512 x 512 matmul through the
 * tensor API, with and without autograd recording, next to the same kernels called on the backend directly. The
 * difference between a {@code tensor...} and its {@code kernel...} twin is the per-op overhead (shape checks,
 * allocation of the result, the tape). One thread, so that thread hand-off does not blur it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector", "-Dug.threads=1",
    "-Dug.backend=cpu"})
public class TensorOverheadBenchmark {

    private Tensor x;
    private Tensor y;
    private Tensor xg;
    private Tensor yg;
    private Tensor m1;
    private Tensor m2;
    private Tensor out;
    private View xv;
    private View yv;
    private View ov;
    private View m1v;
    private View m2v;
    private View mo;
    private CpuBackend backend;

    @Setup
    public void setup() {
        x = Tensor.randn(1, 64);
        y = Tensor.randn(2, 64);
        xg = Tensor.randn(3, 64).requiresGrad(true);
        yg = Tensor.randn(4, 64).requiresGrad(true);
        m1 = Tensor.randn(5, 512, 512);
        m2 = Tensor.randn(6, 512, 512);
        backend = (CpuBackend) x.backend();
        out = Tensor.empty(DType.F32, 64);
        xv = x.view();
        yv = y.view();
        ov = out.view();
        m1v = m1.view().reshaped(1, 512, 512);
        m2v = m2.view().reshaped(1, 512, 512);
        mo = Tensor.empty(DType.F32, 1, 512, 512).view();
    }

    @Benchmark
    public View kernelAdd() {
        backend.binary(BinaryOp.ADD, xv, yv, ov);
        return ov;
    }

    @Benchmark
    public Tensor tensorAdd() {
        try (NoGrad g = NoGrad.enter()) {
            return x.add(y);
        }
    }

    @Benchmark
    public Tensor tensorAddRecorded() {
        return xg.add(yg);
    }

    @Benchmark
    public View kernelMatmul512() {
        backend.gemm(m1v, m2v, mo, 1f, 0f);
        return mo;
    }

    @Benchmark
    public Tensor tensorMatmul512() {
        try (NoGrad g = NoGrad.enter()) {
            return m1.matmul(m2);
        }
    }
}

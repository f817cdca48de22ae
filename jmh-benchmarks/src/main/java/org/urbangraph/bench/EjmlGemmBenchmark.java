package org.urbangraph.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.ejml.concurrency.EjmlConcurrency;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
import org.ejml.dense.row.RandomMatrices_FDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * EJML's dense F32 multiply (CommonOps_FDRM, or its multi-threaded twin with 2 threads) at the GEMM benchmark's
 * shapes: the pure-Java baseline in the GEMM table. 4096 is left out: one call takes close to a minute.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class EjmlGemmBenchmark {

    @Param({"512x512x512", "1024x1024x1024", "2048x2048x2048", "256x1536x1536", "256x1536x8960", "256x8960x1536",
        "1024x1280x3840", "1024x1280x5120"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private FMatrixRMaj a;
    private FMatrixRMaj b;
    private FMatrixRMaj c;

    @Setup
    public void setup() {
        int[] d = GemmBenchmark.dims(shape);
        Random rnd = new Random(7);
        a = RandomMatrices_FDRM.rectangle(d[0], d[1], -1, 1, rnd);
        b = RandomMatrices_FDRM.rectangle(d[1], d[2], -1, 1, rnd);
        c = new FMatrixRMaj(d[0], d[2]);
        EjmlConcurrency.setMaxThreads(threads);
    }

    @Benchmark
    public FMatrixRMaj mult() {
        if (threads > 1) {
            CommonOps_MT_FDRM.mult(a, b, c);
        } else {
            CommonOps_FDRM.mult(a, b, c);
        }
        return c;
    }
}

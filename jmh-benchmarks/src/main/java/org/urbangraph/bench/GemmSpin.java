package org.urbangraph.bench;

import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.cpu.CpuBackend;

/**
 * Keeps one thread multiplying 1024 x 1024 matrices for a few seconds, so that the JIT compiles the GEMM micro-kernel
 * at full optimisation: {@code kernel-asm} runs it with {@code -XX:CompileCommand=print} to read the micro-kernel's
 * machine code (its instruction mix is what the README's GEMM analysis quotes). Not a benchmark: it prints no timing.
 */
public final class GemmSpin {
    private GemmSpin() {}

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 4;
        CpuBackend be = CpuBackend.withThreads(1);
        int n = 1024;
        View a = View.contiguous(be.allocate(DType.F32, (long) n * n), DType.F32, 0, 1, n, n);
        View b = View.contiguous(be.allocate(DType.F32, (long) n * n), DType.F32, 0, 1, n, n);
        View c = View.contiguous(be.allocate(DType.F32, (long) n * n), DType.F32, 0, 1, n, n);
        be.randomNormal(a, 1);
        be.randomNormal(b, 2);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            be.gemm(a, b, c, 1f, 0f);
        }
        System.exit(0);
    }
}

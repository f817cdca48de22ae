package org.urbangraph.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;

class SignalChainingTest {

    private static final String JVM_OWNS = """
            Signal Handlers:
               SIGSEGV: javaSignalHandler in libjvm.so, mask=11100100010111111101111111111110, flags=SA_RESTART|SA_SIGINFO, unblocked
                SIGBUS: javaSignalHandler in libjvm.so, mask=11100100010111111101111111111110, flags=SA_RESTART|SA_SIGINFO, unblocked
            """;

    private static final String LLVM_OWNS = """
            Signal Handlers:
               SIGSEGV: 0x00007fe34215c570 in libLLVM-15.so.1+16106864, mask=00000000000000000000000000000000, flags=SA_ONSTACK|SA_RESETHAND|SA_NODEFER|Unknown_flags:80000000, unblocked
              *** Handler was modified!
                SIGBUS: javaSignalHandler in libjvm.so, mask=11100100010111111101111111111110, flags=SA_RESTART|SA_SIGINFO, unblocked
            """;

    @Test
    void readsTheHandlerOfOneSignal() {
        assertEquals("javaSignalHandler in libjvm.so", SignalChaining.handlerOf("SIGSEGV", JVM_OWNS));
        assertEquals("0x00007fe34215c570 in libLLVM-15.so.1+16106864", SignalChaining.handlerOf("SIGSEGV", LLVM_OWNS));
        assertEquals("javaSignalHandler in libjvm.so", SignalChaining.handlerOf("SIGBUS", LLVM_OWNS));
        assertNull(SignalChaining.handlerOf("SIGILL", LLVM_OWNS));
    }

    @Test
    void aReplacedHandlerIsAProblemOnlyWithoutTheChainingLibrary() {
        assertEquals(Optional.empty(), SignalChaining.problem(JVM_OWNS, false));
        assertEquals(Optional.empty(), SignalChaining.problem(LLVM_OWNS, true), "libjsig keeps the JVM's handler");
        assertEquals(Optional.empty(), SignalChaining.problem(null, false), "handlers unknown");
        String p = SignalChaining.problem(LLVM_OWNS, false).orElseThrow();
        assertTrue(p.contains("libLLVM-15.so.1") && p.contains("LD_PRELOAD=") && p.endsWith("ug does this)"), p);
        assertTrue(p.contains(System.getProperty("java.home")), "names this JDK's libjsig: " + p);
    }

    /**
     * With an OpenCL platform started and a program built, the JVM keeps its SIGSEGV handler. On PoCL this holds only
     * because the test forks preload libjsig (the root pom); without it, LLVM's handler replaces the JVM's.
     */
    @Test
    void theJvmKeepsItsSigsegvHandlerOnceOpenClHasStarted() {
        OpenClBackend cl = ClTestSupport.backend();
        View x = new View(cl.allocate(DType.F32, 37), DType.F32, 0, new int[] {37}, new long[] {1});
        cl.fill(x, 0.5);
        cl.unary(UnaryOp.EXP, x, x, 0, 0);
        cl.finish();
        assertEquals(Optional.empty(), SignalChaining.problem());
    }
}

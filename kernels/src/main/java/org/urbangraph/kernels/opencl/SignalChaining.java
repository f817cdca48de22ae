package org.urbangraph.kernels.opencl;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Whether the JVM still owns its SIGSEGV handler once an OpenCL platform has started in the process.
 *
 * <p>HotSpot raises SIGSEGV on purpose (safepoint polls, implicit null checks, stack banging) and handles it itself.
 * LLVM, which PoCL loads to compile kernels for a CPU, installs its own handlers for SIGSEGV, SIGBUS, SIGILL and others
 * when the platform starts and again around later compilations (flags {@code SA_RESETHAND | SA_NODEFER}). The next
 * fault the JVM meant for itself then runs LLVM's handler, which puts the old handlers back, and the faulting
 * instruction is retried under the JVM's; but the kernel has already reset the handler to the default action when it
 * delivered that first signal, so a second thread faulting in between kills the process: "Segmentation fault", exit
 * status 139, no {@code hs_err} file (a test JVM of this project died once with exactly these signs).
 *
 * <p>The JDK's signal-chaining library prevents it: preloaded ({@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}), it keeps
 * the JVM's handler installed when a library asks for its own, and the JVM passes on to the library's handler only the
 * signals that are not its own. {@code ug} and the test forks preload it; the first OpenCL backend of a process checks
 * the handler when it starts and after its first program build, and warns once when it finds it replaced without it.
 */
public final class SignalChaining {

    private SignalChaining() {}

    /** Checks done so far in this process: one when the first backend starts, one after its first program build. */
    private static final AtomicInteger CHECKS = new AtomicInteger();
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /**
     * Empty while the JVM's SIGSEGV handler is in place, or while the signal-chaining library is loaded (which keeps
     * it in place whatever the JVM reports); else what replaced it and how to avoid that. Empty too where the handlers
     * cannot be read (no {@code VM.info} diagnostic command).
     */
    public static Optional<String> problem() {
        // with libjsig loaded the handler stays the JVM's, and VM.info (a few hundred ms the first time) is not needed
        return jsigLoaded() ? Optional.empty() : problem(vmInfo(), false);
    }

    /** {@link #problem()} for a given {@code VM.info} text ({@code null}: unknown) and library state. */
    static Optional<String> problem(String vmInfo, boolean jsigLoaded) {
        if (jsigLoaded || vmInfo == null) {
            return Optional.empty();
        }
        String handler = handlerOf("SIGSEGV", vmInfo);
        if (handler == null || handler.contains("libjvm")) {
            return Optional.empty();
        }
        return Optional.of("the JVM's SIGSEGV handler was replaced (now: " + handler + "), by a native library the "
                + "OpenCL platform loaded (PoCL's LLVM does this); a SIGSEGV the JVM raises for itself can then kill the "
                + "process without an error report. " + remedy());
    }

    /** How to preload the JDK's signal-chaining library on this operating system. */
    static String remedy() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        if (os.contains("linux")) {
            return "Start java with LD_PRELOAD=" + jsigPath("libjsig.so")
                    + " (the JDK's signal-chaining library; ./ug does this)";
        }
        if (os.contains("mac")) {
            return "Start java with DYLD_INSERT_LIBRARIES=" + jsigPath("libjsig.dylib")
                    + " (the JDK's signal-chaining library)";
        }
        return "Preload the JDK's signal-chaining library (libjsig) when starting java";
    }

    /**
     * Checks twice per process, when the first OpenCL backend starts and after its first program build (a platform
     * may install its handlers at either), and logs {@link #problem()} once if there is one.
     */
    static void warnIfReplaced() {
        if (CHECKS.getAndIncrement() < 2 && !WARNED.get()) {
            problem().ifPresent(p -> {
                if (WARNED.compareAndSet(false, true)) {
                    System.getLogger(SignalChaining.class.getName()).log(System.Logger.Level.WARNING, "OpenCL: {0}", p);
                }
            });
        }
    }

    /** The handler column of {@code signal}'s line in a {@code VM.info} text ("javaSignalHandler in libjvm.so"), or null. */
    static String handlerOf(String signal, String vmInfo) {
        for (String line : vmInfo.split("\n")) {
            String t = line.strip();
            if (t.startsWith(signal + ":")) {
                String rest = t.substring(signal.length() + 1).strip();
                int comma = rest.indexOf(", mask=");
                return comma >= 0 ? rest.substring(0, comma) : rest;
            }
        }
        return null;
    }

    /** Whether libjsig is mapped into this process (Linux: {@code /proc/self/maps}); false where that cannot be read. */
    static boolean jsigLoaded() {
        Path maps = Path.of("/proc/self/maps");
        try (var lines = Files.lines(maps)) {
            return lines.anyMatch(l -> l.endsWith("/libjsig.so"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String jsigPath(String file) {
        return Path.of(System.getProperty("java.home"), "lib", file).toString();
    }

    /** The {@code VM.info} diagnostic command's output (which lists the signal handlers), or null where unavailable. */
    private static String vmInfo() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmInfo",
                    new Object[] {null}, new String[] {String[].class.getName()});
            return out instanceof String s ? s : null;
        } catch (JMException | RuntimeException e) {
            return null;
        }
    }
}

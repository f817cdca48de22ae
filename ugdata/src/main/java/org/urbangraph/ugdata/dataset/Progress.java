package org.urbangraph.ugdata.dataset;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Console progress for a long step: "rendering monaco: 120/2000 (6%), 14.2/s, ETA 2m12s", printed as a new
 * line at most every two seconds and once at the end (lines, not carriage returns, so logs stay readable).
 * Thread-safe: workers call {@link #step()} concurrently.
 */
public final class Progress {
    private static final long INTERVAL_NS = 2_000_000_000L;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private long lastPrint = start;

    public Progress(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    public void step() {
        long n = done.incrementAndGet();
        if (out == null) {
            return;
        }
        long now = System.nanoTime();
        synchronized (this) {
            if (now - lastPrint >= INTERVAL_NS && n < total) {
                lastPrint = now;
                out.println(line(n, now));
            }
        }
    }

    /** Prints the final line with the elapsed time. */
    public void finish() {
        if (out != null) {
            long n = done.get();
            double s = (System.nanoTime() - start) / 1e9;
            out.println(String.format(Locale.ROOT, "%s: %d/%d done in %s", label, n, total, duration(s)));
        }
    }

    private String line(long n, long now) {
        double s = (now - start) / 1e9;
        double rate = n / Math.max(s, 1e-9);
        double eta = (total - n) / Math.max(rate, 1e-9);
        return String.format(Locale.ROOT, "%s: %d/%d (%d%%), %.1f/s, ETA %s", label, n, total,
                total == 0 ? 100 : n * 100 / total, rate, duration(eta));
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        }
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
    }
}

package org.urbangraph.uge.train;

import java.io.PrintWriter;

/** A progress line with the step, loss, speed and ETA: redrawn in place on a terminal, every 5 % otherwise. */
final class Progress {
    private final PrintWriter out;
    private final int total;
    private final int start;
    private final long t0 = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private int lastPrinted = -1;

    Progress(PrintWriter out, int total, int start) {
        this.out = out;
        this.total = total;
        this.start = start;
    }

    void update(int step, double loss) {
        if (out == null) {
            return;
        }
        int every = Math.max(1, total / 20);
        if (!terminal && step != total && step - Math.max(lastPrinted, start) < every) {
            return;
        }
        lastPrinted = step;
        double elapsed = (System.nanoTime() - t0) / 1e9;
        int done = step - start;
        double perStep = done == 0 ? 0 : elapsed / done;
        long eta = Math.round(perStep * (total - step));
        int width = 24;
        int filled = (int) Math.round(width * (double) step / total);
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        String line = String.format("  [%s] step %d/%d  loss %.4f  %.2f s/step  ETA %d:%02d", bar, step, total, loss,
                perStep, eta / 60, eta % 60);
        out.print(terminal ? "\r" + line : line + "\n");
        out.flush();
    }

    void done() {
        if (out != null && terminal) {
            out.println();
        }
    }
}

package org.urbangraph.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak resident set size of this process (Linux {@code VmHWM}), for the memory figures next to timings. */
final class Rss {
    private Rss() {}

    /**
     * The end of a model benchmark's set-up: two full collections, so that the set-up's garbage ({@code
     * Init.randomize} leaves gigabytes of short-lived arrays) is not collected inside a measured call.
     */
    static void endSetUp() {
        System.gc();
        System.gc();
    }

    /**
     * The line the model benchmarks print at tear-down: peak RSS, and the heap that is live after a full collection.
     * With a pre-touched heap ({@code -Xms} = {@code -Xmx}, {@code -XX:+AlwaysPreTouch}) the peak RSS is the heap size
     * the fork was given, so the live heap is the figure that measures the model. It starts on a line of its own, so
     * that JMH's figure for the last iteration, which it prints after the tear-down, stays readable.
     */
    static String report() {
        long peak = peakMiB();
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return String.format("%npeak resident memory: %d MiB (heap: %d MiB live after a full collection, %d MiB "
                + "committed)", peak, heap.getUsed() >> 20, heap.getCommitted() >> 20);
    }

    static long peakMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}

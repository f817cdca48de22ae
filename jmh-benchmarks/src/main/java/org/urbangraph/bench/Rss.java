package org.urbangraph.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The memory figures the model benchmarks print next to their timings: peak resident set size of this process (Linux
 * {@code VmHWM}), the peak used heap over the benchmark's calls, and the heap live after a full collection.
 */
final class Rss {
    private Rss() {}

    /**
     * The end of a model benchmark's set-up: two full collections, so that the set-up's garbage ({@code
     * Init.randomize} leaves gigabytes of short-lived arrays) is not collected inside a measured call, then the heap
     * pools' peak usage is reset, so that the peak {@link #report()} prints covers the benchmark's calls (warm-up and
     * measured) and not the set-up.
     */
    static void endSetUp() {
        System.gc();
        System.gc();
        for (MemoryPoolMXBean pool : heapPools()) {
            pool.resetPeakUsage();
        }
    }

    /**
     * The line the model benchmarks print at tear-down: peak RSS, and three heap figures: the peak used heap since
     * {@link #endSetUp()} (see {@link #peakHeapMiB()}), the heap that is live after a full collection, and the heap
     * committed. With a pre-touched heap ({@code -Xms} = {@code -Xmx}, {@code -XX:+AlwaysPreTouch}) the peak RSS is
     * the heap size the fork was given; the peak used heap is what the calls needed at most (live data and garbage not
     * yet collected), the live heap the floor (weights and other state). It starts on a line of its own, so that JMH's
     * figure for the last iteration, which it prints after the tear-down, stays readable.
     */
    static String report() {
        long peak = peakMiB();
        long peakHeap = peakHeapMiB();
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return String.format("%npeak resident memory: %d MiB (heap: %d MiB peak used over the calls, %d MiB live "
                + "after a full collection, %d MiB committed)", peak, peakHeap, heap.getUsed() >> 20,
                heap.getCommitted() >> 20);
    }

    /**
     * The peak used heap since the last {@link #endSetUp()} (or since the JVM started): the sum over the heap pools of
     * each pool's peak usage ({@link MemoryPoolMXBean#getPeakUsage()}, which the JVM updates at collections and when
     * it is read). The pools need not peak at the same moment (eden is fullest just before a collection, the old
     * generation just after it), so the sum is an upper bound on the heap's peak, close to it when one pool dominates.
     */
    static long peakHeapMiB() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : heapPools()) {
            MemoryUsage p = pool.getPeakUsage();
            if (p != null) {
                bytes += p.getUsed();
            }
        }
        return bytes >> 20;
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid())
                .toList();
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

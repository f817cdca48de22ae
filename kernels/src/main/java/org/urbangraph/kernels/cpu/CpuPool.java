package org.urbangraph.kernels.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The worker threads of one CPU backend: {@code threads - 1} daemon helpers plus the calling thread. A kernel splits
 * its work into numbered tasks whose boundaries do not depend on the thread count and whose outputs do not overlap,
 * so any assignment of tasks to threads gives the same bits (the backend's determinism rests on this).
 *
 * <p>A call from inside a task, or from a second thread while the pool is busy, runs its tasks on the calling thread
 * instead of waiting: nested kernels never deadlock and concurrent callers stay correct.
 */
final class CpuPool {

    /** How long an idle helper spins before parking: kernels often come in quick succession (GEMM phases). */
    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Helper[] helpers;
    private final ReentrantLock busy = new ReentrantLock();
    private final ThreadLocal<Boolean> inside = ThreadLocal.withInitial(() -> false);

    CpuPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("the CPU backend needs at least 1 thread, got " + threads);
        }
        this.threads = threads;
        this.helpers = new Helper[threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper(i);
            helpers[i].thread.start();
        }
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body.accept(t)} for every t in [0, tasks), spread over the pool; returns when all are done. */
    void run(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        if (tasks == 1 || threads == 1 || inside.get() || !busy.tryLock()) {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
            return;
        }
        try {
            Job job = new Job(tasks, body, Thread.currentThread());
            int used = Math.min(helpers.length, tasks - 1);
            job.pending.set(used);
            for (int i = 0; i < used; i++) {
                helpers[i].offer(job);
            }
            inside.set(true);
            try {
                job.work();
            } finally {
                inside.set(false);
            }
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (job.pending.get() > 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 100_000);
                }
            }
            if (job.failure != null) {
                if (job.failure instanceof RuntimeException re) {
                    throw re;
                }
                if (job.failure instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(job.failure);
            }
        } finally {
            busy.unlock();
        }
    }

    /** Tasks handed out one at a time from a shared counter. */
    private static final class Job {
        final int tasks;
        final IntConsumer body;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger pending = new AtomicInteger();
        volatile Throwable failure;

        Job(int tasks, IntConsumer body, Thread caller) {
            this.tasks = tasks;
            this.body = body;
            this.caller = caller;
        }

        void work() {
            int t;
            while ((t = next.getAndIncrement()) < tasks) {
                if (failure != null) {
                    return;
                }
                try {
                    body.accept(t);
                } catch (Throwable e) {
                    failure = e;
                    return;
                }
            }
        }
    }

    private final class Helper implements Runnable {
        final Thread thread;
        volatile Job job;

        Helper(int index) {
            thread = new Thread(this, "ug-cpu-" + (index + 1));
            thread.setDaemon(true);
        }

        void offer(Job j) {
            job = j;
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            inside.set(true);
            while (true) {
                Job j = job;
                if (j == null) {
                    long spinUntil = System.nanoTime() + SPIN_NANOS;
                    while ((j = job) == null && System.nanoTime() < spinUntil) {
                        Thread.onSpinWait();
                    }
                    if (j == null) {
                        LockSupport.park(this);
                        continue;
                    }
                }
                job = null;
                j.work();
                if (j.pending.decrementAndGet() == 0) {
                    LockSupport.unpark(j.caller);
                }
            }
        }
    }
}

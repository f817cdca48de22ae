package org.urbangraph.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.urbangraph.kernels.opencl.ClTestSupport.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.jocl.CL;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.opencl.ClTestSupport.Pair;

/** The OpenCL runtime around the kernels: device choice, transfers, memory release, program cache, errors. */
class OpenClBackendTest {

    @Test
    void deviceChoiceFollowsTheSetting() {
        List<DeviceSelection.Candidate> all = List.of(
                new DeviceSelection.Candidate(0, 0, null, null, "Portable Computing Language", "pthread-cpu",
                        CL.CL_DEVICE_TYPE_CPU),
                new DeviceSelection.Candidate(1, 0, null, null, "NVIDIA CUDA", "NVIDIA H100", CL.CL_DEVICE_TYPE_GPU),
                new DeviceSelection.Candidate(1, 1, null, null, "NVIDIA CUDA", "NVIDIA A10", CL.CL_DEVICE_TYPE_GPU));
        assertSame(all.get(1), DeviceSelection.choose(all, null), "the first GPU by default");
        assertSame(all.get(0), DeviceSelection.choose(all, "cpu"));
        assertSame(all.get(2), DeviceSelection.choose(all, "1:1"));
        assertSame(all.get(2), DeviceSelection.choose(all, "a10"));
        assertSame(all.get(0), DeviceSelection.choose(all, "portable"));
        assertSame(all.get(0), DeviceSelection.choose(all.subList(0, 1), null), "no GPU: the first device");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceSelection.choose(all, "2:0"));
        assertTrue(e.getMessage().contains("ug.opencl.device=2:0") && e.getMessage().contains("1:1 NVIDIA A10 (GPU"),
                e.getMessage());
    }

    @Test
    void theRealDeviceIsFoundByTypeAndIndex() {
        OpenClBackend b = backend();
        assertTrue(b.device().startsWith("0:0 ") || !OpenClBackend.devices().isEmpty(), b.device());
        assertThrows(IllegalArgumentException.class, () -> OpenClBackend.create("no-such-device-anywhere"));
    }

    @Test
    void transfersRoundTripEveryKindOfHostSegment() {
        OpenClBackend b = backend();
        float[] data = new float[1000];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.5f - 17;
        }
        TransferStats.Snapshot before = b.transferStats();
        Buffer fromHeap = b.upload(MemorySegment.ofArray(data), false);
        MemorySegment nat = Arena.ofAuto().allocate(4000, 8);
        MemorySegment.copy(data, 0, nat, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 1000);
        Buffer fromNative = b.upload(nat, true);
        data[0] = 1e9f; // the device copy must not alias the host array
        float[] back = new float[10];
        b.toHost(fromHeap, 4 * 990, MemorySegment.ofArray(back));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 990, 1000), back);
        byte[] bytes = new byte[8];
        b.toHost(fromNative, 0, MemorySegment.ofArray(bytes));
        assertEquals(-17f, MemorySegment.ofArray(bytes).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
        assertEquals(-16.5f, MemorySegment.ofArray(bytes).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4));
        TransferStats.Snapshot d = b.transferStats().minus(before);
        assertEquals(2, d.uploads());
        assertEquals(8000, d.uploadedBytes());
        assertEquals(2, d.downloads());
        assertEquals(48, d.downloadedBytes());
        assertThrows(IndexOutOfBoundsException.class, () -> b.toHost(fromHeap, 3999, MemorySegment.ofArray(back)));
    }

    @Test
    void allocationsAreZeroedAndHostViewsAreRefused() {
        OpenClBackend b = backend();
        Buffer buf = b.allocate(DType.I64, 33);
        long[] out = new long[33];
        java.util.Arrays.fill(out, 7);
        b.toHost(buf, 0, MemorySegment.ofArray(out));
        assertArrayEquals(new long[33], out);
        View host = View.contiguous(HostBuffer.allocate(DType.F32, 4), DType.F32, 0, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.fill(host, 1));
        assertTrue(e.getMessage().contains("toBackend"), e.getMessage());
    }

    @Test
    void unreachableBuffersReleaseTheirDeviceMemory() throws InterruptedException {
        OpenClBackend b = backend();
        System.gc();
        Thread.sleep(50);
        long base = b.liveBytes();
        List<Buffer> held = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(b.allocate(DType.F32, 1 << 18)); // 1 MiB each
        }
        assertTrue(b.liveBytes() >= base + (4L << 20), "held buffers are counted: " + b.liveBytes());
        held.clear();
        for (int i = 0; i < 60; i++) {
            b.allocate(DType.F32, 1 << 18); // dropped at once
        }
        long live = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 50 && live > base + (8L << 20); attempt++) {
            System.gc();
            Thread.sleep(20);
            live = b.liveBytes();
        }
        assertTrue(live <= base + (8L << 20), "device memory of dropped buffers is released: " + live + " bytes live, "
                + base + " before");
    }

    @Test
    void programsAreBuiltOncePerContextAndBuildErrorsCarryTheLog() {
        OpenClBackend b = backend();
        Pair x = ClTestSupport.random(DType.F32, 1, 1.0, 5);
        b.fill(x.dev(), 2);
        int builds = b.programBuilds();
        for (int i = 0; i < 3; i++) {
            b.fill(x.dev(), i);
        }
        assertEquals(builds, b.programBuilds(), "the elementwise program is cached");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> b.compile("broken.cl", "kernel void broken(global float* x) { x[0] = undeclared_name; }", ""));
        assertTrue(e.getMessage().contains("broken.cl") && e.getMessage().contains("build log")
                && e.getMessage().contains("undeclared_name"), e.getMessage());
    }

    @Test
    void threadsSharingTheBackendGetTheirOwnResults() throws Exception {
        OpenClBackend b = backend();
        int threads = 4;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<float[]>> results = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    View v = View.contiguous(b.allocate(DType.F32, 257), DType.F32, 0, 257);
                    for (int round = 0; round < 20; round++) {
                        b.fill(v, id);
                        b.unary(org.urbangraph.kernels.UnaryOp.AFFINE, v, v, 2f, round); // 2 * id + round
                    }
                    float[] out = new float[257];
                    b.toHost(v.buffer(), 0, MemorySegment.ofArray(out));
                    return out;
                }));
            }
            for (int t = 0; t < threads; t++) {
                float[] expected = new float[257];
                java.util.Arrays.fill(expected, 2f * t + 19);
                assertArrayEquals(expected, results.get(t).get(), "thread " + t);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deferredChecksReportBadIdsAtTheNextWait() {
        backend();
        String old = System.getProperty("ug.opencl.checks");
        System.setProperty("ug.opencl.checks", "deferred");
        OpenClBackend deferred;
        try {
            deferred = OpenClBackend.create();
        } finally {
            if (old == null) {
                System.clearProperty("ug.opencl.checks");
            } else {
                System.setProperty("ug.opencl.checks", old);
            }
        }
        View x = View.contiguous(deferred.allocate(DType.F32, 12), DType.F32, 0, 4, 3);
        View ids = View.contiguous(deferred.upload(MemorySegment.ofArray(new long[] {1, 3, 9, 0}), false), DType.I64,
                0, 4);
        View out = View.contiguous(deferred.allocate(DType.F32, 12), DType.F32, 0, 4, 3);
        TransferStats.Snapshot before = deferred.transferStats();
        deferred.indexSelect(x, 0, ids, out); // queued, not waited for
        assertEquals(0, deferred.transferStats().minus(before).roundTrips());
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, deferred::finish);
        assertEquals("index_select: index 9 at position 2 is outside [0, 4)", e.getMessage());
        deferred.finish(); // the flag was reset
    }
}

package org.urbangraph.kernels.opencl;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the host-device traffic of one OpenCL device: tensor uploads and downloads (with bytes) and other blocking
 * waits (finish, error-flag checks). Tests use it to show that a computation stays on the device between ops.
 */
public final class TransferStats {

    /** A point-in-time copy of the counters. */
    public record Snapshot(long uploads, long downloads, long uploadedBytes, long downloadedBytes, long syncs) {

        /** The traffic since an earlier snapshot. */
        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(uploads - earlier.uploads, downloads - earlier.downloads,
                    uploadedBytes - earlier.uploadedBytes, downloadedBytes - earlier.downloadedBytes,
                    syncs - earlier.syncs);
        }

        /** Every blocking host round trip: downloads and waits (uploads block too but carry input data). */
        public long roundTrips() {
            return downloads + syncs;
        }
    }

    private final AtomicLong uploads = new AtomicLong();
    private final AtomicLong downloads = new AtomicLong();
    private final AtomicLong uploadedBytes = new AtomicLong();
    private final AtomicLong downloadedBytes = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();

    void upload(long bytes) {
        uploads.incrementAndGet();
        uploadedBytes.addAndGet(bytes);
    }

    void download(long bytes) {
        downloads.incrementAndGet();
        downloadedBytes.addAndGet(bytes);
    }

    void sync() {
        syncs.incrementAndGet();
    }

    public Snapshot snapshot() {
        return new Snapshot(uploads.get(), downloads.get(), uploadedBytes.get(), downloadedBytes.get(), syncs.get());
    }
}

package org.urbangraph.tensor.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;

/**
 * Writes safetensors files laid out exactly as the reference implementation lays them out, so a file read and
 * written again is byte-identical: tensors ordered by dtype (widest first, in the reference's dtype order) then
 * name, a compact JSON header with {@code __metadata__} first, padded with spaces to a multiple of 8 bytes.
 * The file is written through {@link AtomicFile} (a temporary sibling of its own, {@code NAME.tmp-PID-N}, flushed to
 * the disk and renamed into place), so an existing file is never half-written, two threads writing one path do not
 * meet, and a failure of any kind leaves no temporary file behind.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /** The reference implementation's dtype order (its enum order); sorting is by this rank, descending. */
    private static final List<DType> RANK = List.of(DType.BOOL, DType.U8, DType.I8, DType.F8_E5M2, DType.F8_E4M3,
            DType.I16, DType.U16, DType.F16, DType.BF16, DType.I32, DType.U32, DType.F32, DType.F64, DType.I64,
            DType.U64);

    /** How many bytes of a tensor are copied to the host and written at a time. */
    static final int CHUNK = 16 << 20;

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        write(file, tensors, metadata, CHUNK);
    }

    /** {@link #write} copying at most {@code chunk} bytes of a tensor at a time (small in tests). */
    static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, int chunk) {
        if (chunk <= 0) {
            throw new IllegalArgumentException("chunk of " + chunk + " bytes");
        }
        if (tensors.containsKey("__metadata__")) {
            throw new SafetensorsException(file, "a tensor cannot be named '__metadata__': the header keeps that key"
                    + " for the metadata, so no reader could load the file");
        }
        List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.entrySet());
        order.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(e -> -RANK.indexOf(e.getValue().dtype()))
                .thenComparing(Map.Entry::getKey));
        byte[] header = header(order, metadata);
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            AtomicFile.write(file, out -> {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
                out.write(len.array());
                out.write(header);
                long largest = 0;
                for (Map.Entry<String, Tensor> e : order) {
                    largest = Math.max(largest, e.getValue().numel() * e.getValue().dtype().size());
                }
                byte[] buf = new byte[(int) Math.min(chunk, largest)];
                for (Map.Entry<String, Tensor> e : order) {
                    writeData(e.getValue(), out, buf);
                }
            }, true);
        } catch (IOException e) {
            throw new SafetensorsException(file, "cannot write: " + e.getMessage(), e);
        }
    }

    private static byte[] header(List<Map.Entry<String, Tensor>> order, Map<String, String> metadata) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(buf)) {
            g.writeStartObject();
            if (metadata != null && !metadata.isEmpty()) {
                g.writeObjectFieldStart("__metadata__");
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    g.writeStringField(m.getKey(), m.getValue());
                }
                g.writeEndObject();
            }
            long at = 0;
            for (Map.Entry<String, Tensor> e : order) {
                Tensor t = e.getValue();
                long n = t.numel() * t.dtype().size();
                g.writeObjectFieldStart(e.getKey());
                g.writeStringField("dtype", t.dtype().safetensorsName());
                g.writeArrayFieldStart("shape");
                for (int d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(at);
                g.writeNumber(at + n);
                g.writeEndArray();
                g.writeEndObject();
                at += n;
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("building a safetensors header in memory failed", e);
        }
        byte[] raw = buf.toByteArray();
        int padded = (raw.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(raw, 0, out, 0, raw.length);
        for (int i = raw.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    /**
     * Writes the tensor's elements as little-endian bytes in row-major order, copied to the host a buffer at a time,
     * so that a tensor of any size (over 2 GiB too) is written without a host copy of the whole tensor.
     */
    private static void writeData(Tensor t, OutputStream out, byte[] buf) throws IOException {
        try (NoGrad g = NoGrad.enter()) {
            Tensor c = t.contiguous();
            long bytes = c.numel() * c.dtype().size();
            long base = c.offset() * c.dtype().size();
            MemorySegment host = MemorySegment.ofArray(buf);
            for (long at = 0; at < bytes; ) {
                int n = (int) Math.min(buf.length, bytes - at);
                c.backend().toHost(c.buffer(), base + at, host.asSlice(0, n));
                out.write(buf, 0, n);
                at += n;
            }
        }
    }
}

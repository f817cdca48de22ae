package org.urbangraph.tensor.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.tensor.Tensor;

/**
 * One safetensors file, memory-mapped with FFM (files over 2 GiB work) and validated as the reference Rust
 * implementation validates it: an 8-byte little-endian header length, a UTF-8 JSON header whose entries (apart from
 * {@code __metadata__}) have a known dtype, a non-negative shape and data offsets that tile the data section
 * exactly, in order, with no gap or overlap. Any violation is a {@link SafetensorsException} naming the file.
 *
 * <p>The mapping lives as long as any tensor taken from it is reachable (an automatic arena).
 */
public final class SafetensorsFile implements WeightSource {

    /** The reference implementation refuses headers above 100 MB; so do we. */
    static final long MAX_HEADER = 100_000_000L;

    /**
     * The header parser. Like the reference's serde_json::from_str it refuses anything after the JSON value but
     * whitespace (the format lets the header be padded with spaces), and its string and name limits are the header
     * limit, not Jackson's defaults (20 M characters, 50 000 for names), so a long {@code __metadata__} value or
     * tensor name is not reported as invalid JSON.
     */
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength((int) MAX_HEADER)
                    .maxNameLength((int) MAX_HEADER)
                    .build())
            .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path path;
    private final MemorySegment data;
    private final Map<String, TensorInfo> infos;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, MemorySegment data, Map<String, TensorInfo> infos, Map<String, String> metadata) {
        this.path = path;
        this.data = data;
        this.infos = infos;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        MemorySegment file;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            file = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
            if (size == 0) {
                throw new SafetensorsException(path, "empty file (expected an 8-byte header length)");
            }
        } catch (IOException e) {
            throw new SafetensorsException(path, "cannot read: " + e.getMessage(), e);
        }
        return parse(path, file);
    }

    /** Parses a safetensors image already in memory (used by the loader and the tests). */
    public static SafetensorsFile parse(Path path, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) {
            throw new SafetensorsException(path, "file of " + size + " bytes is too short for the 8-byte header length");
        }
        long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 0 || headerLen > MAX_HEADER) {
            throw new SafetensorsException(path, "header length " + Long.toUnsignedString(headerLen)
                    + " is larger than the limit of " + MAX_HEADER + " bytes");
        }
        if (8 + headerLen > size) {
            throw new SafetensorsException(path, "header length " + headerLen + " runs past the end of the file ("
                    + size + " bytes)");
        }
        byte[] header = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root;
        try {
            root = JSON.readTree(utf8(path, header));
        } catch (IOException e) {
            throw new SafetensorsException(path, "header is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(path, "header is not a JSON object");
        }
        MemorySegment data = file.asSlice(8 + headerLen);
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = ((ObjectNode) root).fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                readMetadata(path, e.getValue(), metadata);
            } else {
                list.add(readInfo(path, e.getKey(), e.getValue()));
            }
        }
        validateOffsets(path, list, data.byteSize());
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (TensorInfo t : list) {
            infos.put(t.name(), t);
        }
        return new SafetensorsFile(path, data, Collections.unmodifiableMap(infos), Collections.unmodifiableMap(metadata));
    }

    /**
     * The header as text. Malformed UTF-8 is an error, as in the reference implementation (a lenient decoder would
     * turn a bad byte into U+FFFD and load a tensor under a name that the file does not hold).
     */
    private static String utf8(Path path, byte[] header) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(header);
        CharBuffer out = CharBuffer.allocate(header.length);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) {
            r = dec.flush(out);
        }
        if (r.isError()) {
            throw new SafetensorsException(path, "header is not valid UTF-8 (byte " + in.position()
                    + " of the header, file offset " + (8 + in.position()) + ", begins a malformed sequence)");
        }
        return out.flip().toString();
    }

    private static void readMetadata(Path path, JsonNode node, Map<String, String> out) {
        if (node.isNull()) {
            return; // the reference reads __metadata__ as an Option: null is no metadata
        }
        if (!node.isObject()) {
            throw new SafetensorsException(path, "__metadata__ must be an object of strings (or null)");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new SafetensorsException(path, "__metadata__ value of '" + m.getKey() + "' is not a string");
            }
            out.put(m.getKey(), m.getValue().asText());
        }
    }

    private static TensorInfo readInfo(Path path, String name, JsonNode node) {
        if (!node.isObject()) {
            throw new SafetensorsException(path, "tensor '" + name + "': entry is not an object");
        }
        JsonNode dt = node.get("dtype");
        JsonNode shape = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dt == null || !dt.isTextual() || shape == null || !shape.isArray() || offsets == null
                || !offsets.isArray() || offsets.size() != 2) {
            throw new SafetensorsException(path, "tensor '" + name
                    + "': expected {\"dtype\": string, \"shape\": [ints], \"data_offsets\": [begin, end]}");
        }
        DType dtype = DType.fromSafetensors(dt.asText());
        if (dtype == null) {
            throw new SafetensorsException(path, "tensor '" + name + "': unknown dtype '" + dt.asText() + "'");
        }
        int[] dims = new int[shape.size()];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
                throw new SafetensorsException(path, "tensor '" + name + "': shape entry " + d + " is not a size");
            }
            dims[i] = (int) d.asLong();
            numel = Math.multiplyHigh(numel, dims[i]) != 0 ? -1 : numel * dims[i];
            if (numel < 0) {
                throw new SafetensorsException(path, "tensor '" + name + "': shape " + shape + " overflows");
            }
        }
        JsonNode b = offsets.get(0);
        JsonNode e = offsets.get(1);
        if (!b.isIntegralNumber() || !e.isIntegralNumber() || !b.canConvertToLong() || !e.canConvertToLong()
                || b.asLong() < 0 || e.asLong() < 0) {
            throw new SafetensorsException(path, "tensor '" + name + "': data_offsets " + offsets
                    + " are not two non-negative integers");
        }
        long begin = b.asLong();
        long end = e.asLong();
        if (end < begin) {
            throw new SafetensorsException(path, "tensor '" + name + "': data_offsets " + offsets + " end before they begin");
        }
        if (numel > Long.MAX_VALUE / dtype.size() || numel * dtype.size() != end - begin) {
            throw new SafetensorsException(path, "tensor '" + name + "': shape " + shape + " of " + dtype + " needs "
                    + numel * dtype.size() + " bytes but data_offsets " + offsets + " span " + (end - begin));
        }
        return new TensorInfo(name, dtype, dims, begin, end);
    }

    /** Offsets must tile [0, dataSize) in order: no gap, no overlap, nothing past the end. */
    private static void validateOffsets(Path path, List<TensorInfo> list, long dataSize) {
        List<TensorInfo> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long at = 0;
        for (TensorInfo t : sorted) {
            if (t.begin() != at) {
                throw new SafetensorsException(path, "tensor '" + t.name() + "': data_offsets [" + t.begin() + ", "
                        + t.end() + "] " + (t.begin() < at ? "overlap the previous tensor" : "leave a gap")
                        + " (expected to begin at " + at + ")");
            }
            at = t.end();
        }
        if (at > dataSize) {
            throw new SafetensorsException(path, "tensor data needs " + at + " bytes but the file holds " + dataSize
                    + " after the header (truncated?)");
        }
        if (at != dataSize) {
            throw new SafetensorsException(path, "the data section has " + (dataSize - at)
                    + " bytes that no tensor covers");
        }
    }

    // ---- WeightSource ---------------------------------------------------------------------------------------

    @Override
    public List<String> names() {
        return List.copyOf(infos.keySet());
    }

    @Override
    public boolean contains(String name) {
        return infos.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo t = infos.get(name);
        if (t == null) {
            throw new SafetensorsException(path, "no tensor named '" + name + "'");
        }
        return t;
    }

    /** Every tensor's header entry, in file order. */
    public Map<String, TensorInfo> infos() {
        return infos;
    }

    @Override
    public Tensor tensor(String name) {
        TensorInfo t = info(name);
        MemorySegment bytes = data.asSlice(t.begin(), t.end() - t.begin());
        Backend current = Backends.current();
        HostBuffer host = new HostBuffer(bytes);
        if (current.owns(host)) {
            return Tensor.wrap(host, t.dtype(), 0, t.shape()).named(name);
        }
        return Tensor.wrap(current.upload(bytes, false), t.dtype(), 0, t.shape()).named(name);
    }

    /** All tensors in file order. */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String n : infos.keySet()) {
            out.put(n, tensor(n));
        }
        return out;
    }

    /** The raw bytes of a tensor (a view of the mapping). */
    public MemorySegment bytes(String name) {
        TensorInfo t = info(name);
        return data.asSlice(t.begin(), t.end() - t.begin());
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Path path() {
        return path;
    }
}

package org.urbangraph.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.testkit.Fixtures;

/** Every golden safetensors file reads with the right names, dtypes, shapes and values, and writes back byte for byte. */
class SafetensorsGoldenTest {

    static Stream<Path> goldenFiles() throws IOException {
        try (Stream<Path> s = Files.walk(Fixtures.path("golden"))) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
            assertEquals(19, files.size(), "golden safetensors files under fixtures/golden");
            return files.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void roundTripIsByteIdentical(Path file, @TempDir Path tmp) throws IOException {
        SafetensorsFile f = SafetensorsFile.open(file);
        Path out = tmp.resolve("copy.safetensors");
        SafetensorsWriter.write(out, f.tensors(), f.metadata());
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(out), "round trip of " + file);
        assertEquals(Map.of("format", "pt"), f.metadata());
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void fileChecksumMatchesReferenceJson(Path file) throws Exception {
        Path refJson = file.resolveSibling("reference.json");
        JsonNode files = new ObjectMapper().readTree(refJson.toFile()).path("files");
        JsonNode entry = files.get(file.getFileName().toString());
        if (entry == null) {
            return; // reference.json describes other files of the folder; this one is covered by the round trip
        }
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        assertEquals(entry.get("sha256").asText(), sha, file.toString());
    }

    /** reference.json lists the dtype and shape of every tensor in reference.safetensors. */
    @ParameterizedTest
    @MethodSource("referenceFolders")
    void namesDtypesAndShapesMatchReferenceJson(Path folder) throws IOException {
        JsonNode tensors = new ObjectMapper().readTree(folder.resolve("reference.json").toFile()).path("tensors");
        SafetensorsFile f = SafetensorsFile.open(folder.resolve("reference.safetensors"));
        assertEquals(tensors.size(), f.names().size(), "tensor count of " + folder);
        for (Iterator<Map.Entry<String, JsonNode>> it = tensors.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            TensorInfo info = f.info(e.getKey());
            assertEquals(torchDtype(e.getValue().get("dtype").asText()), info.dtype(), e.getKey());
            int[] shape = new ObjectMapper().convertValue(e.getValue().get("shape"), int[].class);
            assertArrayEquals(shape, info.shape(), e.getKey());
        }
    }

    static Stream<Path> referenceFolders() {
        return Stream.of("qwen2_vl", "qwen2_5_vl", "llava_next_mistral").map(Fixtures::golden);
    }

    private static DType torchDtype(String torch) {
        return switch (torch) {
            case "float32" -> DType.F32;
            case "float64" -> DType.F64;
            case "int64" -> DType.I64;
            case "uint8" -> DType.U8;
            case "bfloat16" -> DType.BF16;
            default -> throw new IllegalArgumentException(torch);
        };
    }

    /** The recorded input ids of each case equal the I64 tensors in the file. */
    @Test
    void integerValuesMatchTheRecordedInputIds() throws IOException {
        Path folder = Fixtures.golden("qwen2_vl");
        JsonNode cases = new ObjectMapper().readTree(folder.resolve("reference.json").toFile()).path("cases");
        SafetensorsFile f = SafetensorsFile.open(folder.resolve("reference.safetensors"));
        for (String c : List.of("single", "batch", "textonly")) {
            long[] expected = flatten(cases.get(c).get("input_ids"));
            assertArrayEquals(expected, f.tensor(c + ".input_ids").toLongArray(), c);
            long[] mask = flatten(cases.get(c).get("attention_mask"));
            assertArrayEquals(mask, f.tensor(c + ".attention_mask").toLongArray(), c);
        }
    }

    private static long[] flatten(JsonNode rows) {
        return java.util.stream.StreamSupport.stream(rows.spliterator(), false)
                .flatMap(r -> java.util.stream.StreamSupport.stream(r.spliterator(), false))
                .mapToLong(JsonNode::asLong).toArray();
    }

    /** model.bf16.safetensors holds exactly the F32 weights rounded to BF16 (round to nearest even). */
    @ParameterizedTest
    @MethodSource("referenceFolders")
    void bf16WeightsAreTheF32WeightsRounded(Path folder) {
        SafetensorsFile f32 = SafetensorsFile.open(folder.resolve("model.safetensors"));
        SafetensorsFile bf16 = SafetensorsFile.open(folder.resolve("model.bf16.safetensors"));
        assertEquals(f32.names(), bf16.names());
        int checked = 0;
        for (String name : f32.names()) {
            Tensor a = f32.tensor(name);
            Tensor b = bf16.tensor(name);
            assertEquals(DType.F32, a.dtype(), name);
            assertEquals(DType.BF16, b.dtype(), name);
            float[] wide = b.toFloatArray();
            float[] ref = a.toFloatArray();
            for (int i = 0; i < ref.length; i++) {
                float rounded = HostAccess.bf16ToFloat(HostAccess.floatToBf16(ref[i]));
                if (Float.floatToIntBits(rounded) != Float.floatToIntBits(wide[i])) {
                    throw new AssertionError(name + "[" + i + "]: bf16 " + wide[i] + " but round(" + ref[i] + ") = " + rounded);
                }
            }
            checked += ref.length;
        }
        assertTrue(checked > 10_000, "checked " + checked + " weights");
    }
}

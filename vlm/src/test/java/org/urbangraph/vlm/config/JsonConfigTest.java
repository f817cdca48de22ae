package org.urbangraph.vlm.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Array values are checked element by element, with errors naming the file, the key and the index. */
class JsonConfigTest {

    @TempDir
    Path tmp;

    private JsonConfig config(String json) throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, json);
        return JsonConfig.read(f);
    }

    @Test
    void intArrayElementsMustBeIntegersThatFitAnInt() throws IOException {
        assertArrayEquals(new int[] {0, -3, 2147483647}, config("{\"k\": [0, -3, 2147483647]}").optIntArray("k"));
        String[][] bad = {
            {"[1, 4294967303]", "k[1]", "4294967303"},
            {"[2147483648]", "k[0]", "2147483648"},
            {"[1, 2, \"abc\"]", "k[2]", "\"abc\""},
            {"[null]", "k[0]", "null"},
            {"[true]", "k[0]", "true"},
            {"[1.5]", "k[0]", "1.5"},
            {"[[1]]", "k[0]", "[1]"},
        };
        for (String[] b : bad) {
            JsonConfig c = config("{\"k\": " + b[0] + "}");
            ConfigException e = assertThrows(ConfigException.class, () -> c.optIntArray("k"), b[0]);
            assertEquals(tmp.resolve("config.json") + ": key '" + b[1] + "': expected an integer from "
                    + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + ", found " + b[2], e.getMessage());
        }
    }

    @Test
    void doubleArrayElementsMustBeNumbers() throws IOException {
        assertArrayEquals(new double[] {1, 2.5, -1e300}, config("{\"k\": [1, 2.5, -1e300]}").optDoubleArray("k"));
        String[][] bad = {
            {"[1, \"abc\"]", "k[1]", "\"abc\""},
            {"[null, 1]", "k[0]", "null"},
            {"[1, 2, true]", "k[2]", "true"},
            {"[{}]", "k[0]", "{}"},
        };
        for (String[] b : bad) {
            JsonConfig c = config("{\"k\": " + b[0] + "}");
            ConfigException e = assertThrows(ConfigException.class, () -> c.optDoubleArray("k"), b[0]);
            assertEquals(tmp.resolve("config.json") + ": key '" + b[1] + "': expected a number, found " + b[2],
                    e.getMessage());
        }
    }

    @Test
    void nestedKeysAreQualified() throws IOException {
        JsonConfig v = config("{\"vision_config\": {\"fullatt_block_indexes\": [7, 4294967303]}}")
                .object("vision_config", false);
        ConfigException e = assertThrows(ConfigException.class, () -> v.optIntArray("fullatt_block_indexes"));
        assertEquals(tmp.resolve("config.json") + ": key 'vision_config.fullatt_block_indexes[1]': expected an "
                + "integer from -2147483648 to 2147483647, found 4294967303", e.getMessage());
    }
}

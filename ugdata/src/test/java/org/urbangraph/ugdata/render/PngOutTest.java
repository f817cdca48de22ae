package org.urbangraph.ugdata.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngOutTest {
    @TempDir
    Path tmp;

    @Test
    void textOutsideLatin1SurvivesARoundTrip() throws Exception {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("Synthetic", "true");
        text.put("Location", "lon 7.4214352, lat 43.7319318, heading 281.8 deg, on Rue d’Ostende • Łąkowa");
        text.put("Copyright", "Map data © OpenStreetMap contributors");
        Path f = tmp.resolve("v.png");
        PngOut.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), text, f);
        assertEquals(text, PngOut.readText(f));
        // the bytes of the file hold the UTF-8 of ’ • Ł in an iTXt chunk, as any PNG reader finds them
        String raw = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        assertTrue(raw.contains("iTXtLocation"), "an iTXt chunk");
        assertTrue(raw.contains(new String("Rue d’Ostende • Łąkowa".getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1)), "UTF-8 text");
        assertTrue(!raw.contains("tEXt"), "no Latin-1 text chunk");
        assertEquals(8, PngOut.read(f).getWidth());
    }
}

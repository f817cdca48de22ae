package org.urbangraph.ugdata.photo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.BuildIssues;

/** EXIF parsing on the 29 real Lund photos, against the index that exiftool wrote ({@code images.csv}). */
class ExifPhotoReaderTest {
    @TempDir
    Path tmp;

    @Test
    void positionHeadingAndTimeMatchExiftoolForEveryLundPhoto() throws IOException {
        Map<String, String[]> reference = new HashMap<>();
        List<String> lines = Files.readAllLines(Fixtures.path("data", "images", "images.csv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            reference.put(f[0], f);
        }
        BuildIssues issues = new BuildIssues(null);
        List<ImageRecord> photos = ExifPhotoReader.readFolder(Fixtures.path("data", "images", "lund"), issues);
        assertEquals(29, photos.size());
        assertEquals(0, issues.total());
        for (ImageRecord r : photos) {
            String[] ref = reference.get("lund/" + r.file().getFileName());
            assertEquals(Double.parseDouble(ref[2]), r.lat(), 1e-9, r.id());
            assertEquals(Double.parseDouble(ref[3]), r.lon(), 1e-9, r.id());
            // the true heading lives in the Mapillary JSON of ImageDescription
            assertEquals(Double.parseDouble(ref[5]), r.headingDeg(), 1e-6, r.id());
            // no DateTimeOriginal in these files: the time (with milliseconds) comes from MAPCaptureTime
            assertEquals(ref[8], r.captureTime(), r.id());
            assertFalse(r.syntheticImage());
            assertFalse(r.syntheticPlacement());
        }
        assertEquals("01", photos.getFirst().id());
    }

    @Test
    void aPhotoWithoutGpsIsReportedAndSkipped() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("photos"));
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("no-gps.png").toFile());
        Files.copy(Fixtures.path("data", "images", "lund", "01.jpg"), dir.resolve("ok.jpg"));
        Files.writeString(dir.resolve("broken.jpg"), "not a jpeg at all");
        BuildIssues issues = new BuildIssues(null);
        List<ImageRecord> photos = ExifPhotoReader.readFolder(dir, issues);
        assertEquals(1, photos.size());
        assertEquals("ok", photos.getFirst().id());
        assertEquals(1, issues.count(BuildIssues.Kind.PHOTO_NO_GPS));
        assertEquals(1, issues.count(BuildIssues.Kind.PHOTO_UNREADABLE));
        assertTrue(issues.examples().stream().anyMatch(i -> i.where().endsWith("no-gps.png")));
        assertTrue(issues.examples().stream().anyMatch(i -> i.where().endsWith("broken.jpg")));
    }

    @Test
    void aSingleImageWithoutExifGivesNoRecord() throws IOException {
        Path png = tmp.resolve("plain.png");
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
        BuildIssues issues = new BuildIssues(null);
        assertNull(ExifPhotoReader.read(png, "plain", issues));
        assertEquals(1, issues.count(BuildIssues.Kind.PHOTO_NO_GPS));
    }
}

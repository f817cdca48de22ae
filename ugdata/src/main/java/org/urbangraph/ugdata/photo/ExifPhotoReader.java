package org.urbangraph.ugdata.photo;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.lang.GeoLocation;
import com.drew.lang.Rational;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import com.drew.metadata.exif.GpsDirectory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.urbangraph.ugdata.BuildIssues;

/**
 * Reads camera position, heading and capture time from the EXIF of JPEG/PNG photos with metadata-extractor.
 *
 * <p>Heading comes from {@code GPSImgDirection}, capture time from {@code DateTimeOriginal}; photos taken with the
 * Mapillary app keep both instead in the JSON of the EXIF {@code ImageDescription}
 * ({@code MAPCompassHeading.TrueHeading}, {@code MAPCaptureTime}), which is read as a fallback. A photo without
 * a usable GPS position is reported and skipped.
 */
public final class ExifPhotoReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ExifPhotoReader() {}

    /** All photos under a folder (recursively, sorted by path), each read with {@link #read}. */
    public static List<ImageRecord> readFolder(Path dir, BuildIssues issues) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("photo folder " + dir + " does not exist or is not a folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).filter(ExifPhotoReader::isImageFile).sorted().toList();
        }
        List<ImageRecord> out = new ArrayList<>();
        for (Path f : files) {
            String rel = dir.relativize(f).toString();
            String id = ImageRecord.safeId(rel.replaceFirst("\\.[A-Za-z]+$", ""));
            ImageRecord r = read(f, id, issues);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    static boolean isImageFile(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    /** One photo's record, or null (reported) when it cannot be read or has no GPS position. */
    public static ImageRecord read(Path file, String id, BuildIssues issues) {
        Metadata md;
        try {
            md = ImageMetadataReader.readMetadata(file.toFile());
        } catch (ImageProcessingException | IOException e) {
            issues.report(BuildIssues.Kind.PHOTO_UNREADABLE, file.toString(), "cannot read image metadata: " + e.getMessage());
            return null;
        }
        GpsDirectory gps = md.getFirstDirectoryOfType(GpsDirectory.class);
        GeoLocation loc = gps == null ? null : gps.getGeoLocation();
        if (loc == null || loc.isZero() || !Double.isFinite(loc.getLatitude()) || !Double.isFinite(loc.getLongitude())) {
            issues.report(BuildIssues.Kind.PHOTO_NO_GPS, file.toString(), "no GPS position in EXIF; photo skipped"
                    + " (give its position in a manifest instead)");
            return null;
        }
        JsonNode mapillary = mapillaryJson(md);
        return new ImageRecord(id, file, loc.getLongitude(), loc.getLatitude(), heading(gps, mapillary),
                captureTime(md, mapillary), false, false, file.toString());
    }

    /** The Mapillary app's JSON in the EXIF ImageDescription, or a missing node. */
    static JsonNode mapillaryJson(Metadata md) {
        ExifIFD0Directory ifd0 = md.getFirstDirectoryOfType(ExifIFD0Directory.class);
        String desc = ifd0 == null ? null : ifd0.getString(ExifIFD0Directory.TAG_IMAGE_DESCRIPTION);
        if (desc != null && desc.strip().startsWith("{")) {
            try {
                return JSON.readTree(desc);
            } catch (IOException ignored) {
                // a description that is not JSON carries nothing for us
            }
        }
        return JSON.missingNode();
    }

    static double heading(GpsDirectory gps, JsonNode mapillary) {
        Rational dir = gps.getRational(GpsDirectory.TAG_IMG_DIRECTION);
        double d = dir != null && dir.getDenominator() != 0 ? dir.doubleValue()
                : mapillary.path("MAPCompassHeading").path("TrueHeading").asDouble(Double.NaN);
        return Double.isFinite(d) ? ((d % 360) + 360) % 360 : Double.NaN;
    }

    /**
     * Capture time as ISO local time: EXIF DateTimeOriginal ("2014:06:07 10:24:05"), else the Mapillary
     * {@code MAPCaptureTime} ("2014_06_07_10_24_05_656", with milliseconds), else null.
     */
    static String captureTime(Metadata md, JsonNode mapillary) {
        ExifSubIFDDirectory sub = md.getFirstDirectoryOfType(ExifSubIFDDirectory.class);
        String s = sub == null ? null : sub.getString(ExifSubIFDDirectory.TAG_DATETIME_ORIGINAL);
        if (s != null && s.matches("\\d{4}:\\d{2}:\\d{2} \\d{2}:\\d{2}:\\d{2}.*")) {
            return s.substring(0, 10).replace(':', '-') + "T" + s.substring(11, 19);
        }
        String m = mapillary.path("MAPCaptureTime").asText("");
        if (m.matches("\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{2}_\\d{2}(_\\d{1,3})?")) {
            String[] f = m.split("_");
            return f[0] + "-" + f[1] + "-" + f[2] + "T" + f[3] + ":" + f[4] + ":" + f[5]
                    + (f.length > 6 ? "." + f[6] : "");
        }
        return null;
    }
}

package org.urbangraph.ugdata.photo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.urbangraph.ugdata.BuildIssues;

/**
 * Reads a photo manifest: CSV with a header row (Jackson CSV) or JSON Lines, one photo a row, with the columns
 * {@code file} and {@code lon}, {@code lat}, and optionally {@code id}, {@code heading}, {@code capture_time}
 * and {@code placement} ({@code real}, the default, or {@code synthetic} for a position assigned rather than
 * measured). The column names of {@code images.csv} from the bundled photo set are accepted as aliases
 * ({@code heading_true_deg}, {@code capture_time_local}). Files are relative to the manifest's folder.
 *
 * Lines starting with {@code #} are comments.
 *
 * <p>A row with a bad number, a missing file or a duplicate id is reported with its file and line and skipped.
 */
public final class PhotoManifestReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PhotoManifestReader() {}

    public static List<ImageRecord> read(Path manifest, BuildIssues issues) throws IOException {
        if (!Files.isRegularFile(manifest)) {
            throw new IOException("photo manifest " + manifest + " does not exist");
        }
        List<Map.Entry<Long, Map<String, String>>> rows = isJsonLines(manifest) ? readJsonl(manifest, issues)
                : readCsv(manifest);
        Path base = manifest.toAbsolutePath().getParent();
        List<ImageRecord> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Map.Entry<Long, Map<String, String>> row : rows) {
            String where = manifest + ": line " + row.getKey();
            ImageRecord r = toRecord(row.getValue(), base, where, issues);
            if (r == null) {
                continue;
            }
            if (!ids.add(r.id())) {
                issues.report(BuildIssues.Kind.MANIFEST_BAD_ROW, where, "duplicate id '" + r.id() + "'; row skipped");
                continue;
            }
            out.add(r);
        }
        return out;
    }

    private static boolean isJsonLines(Path p) throws IOException {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
            return true;
        }
        if (n.endsWith(".csv")) {
            return false;
        }
        try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            return first != null && first.strip().startsWith("{");
        }
    }

    private static List<Map.Entry<Long, Map<String, String>>> readCsv(Path p) throws IOException {
        CsvMapper mapper = new CsvMapper();
        CsvSchema schema = CsvSchema.emptySchema().withHeader().withComments();
        List<Map.Entry<Long, Map<String, String>>> rows = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8);
                MappingIterator<Map<String, String>> it = mapper.readerForMapOf(String.class).with(schema).readValues(r)) {
            while (it.hasNextValue()) {
                long line = it.getCurrentLocation().getLineNr();
                Map<String, String> row = it.nextValue();
                rows.add(Map.entry(line, lowerKeys(row)));
            }
        } catch (RuntimeException e) {
            throw new IOException(p + ": not a readable CSV manifest (" + e.getMessage() + ")", e);
        }
        return rows;
    }

    private static List<Map.Entry<Long, Map<String, String>>> readJsonl(Path p, BuildIssues issues) throws IOException {
        List<Map.Entry<Long, Map<String, String>>> rows = new ArrayList<>();
        long line = 0;
        try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            for (String s = r.readLine(); s != null; s = r.readLine()) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = JSON.readTree(s);
                    if (!n.isObject()) {
                        throw new IOException("not a JSON object");
                    }
                    Map<String, String> m = new LinkedHashMap<>();
                    n.properties().forEach(e -> m.put(e.getKey().toLowerCase(Locale.ROOT),
                            e.getValue().isNull() ? null : e.getValue().asText()));
                    rows.add(Map.entry(line, m));
                } catch (IOException e) {
                    issues.report(BuildIssues.Kind.MANIFEST_BAD_ROW, p + ": line " + line,
                            "not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + "); row skipped");
                }
            }
        }
        return rows;
    }

    private static Map<String, String> lowerKeys(Map<String, String> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k.strip().toLowerCase(Locale.ROOT), v));
        return out;
    }

    private static ImageRecord toRecord(Map<String, String> row, Path base, String where, BuildIssues issues) {
        String file = first(row, "file", "path", "image");
        if (file == null) {
            issues.report(BuildIssues.Kind.MANIFEST_BAD_ROW, where, "no 'file' column value; row skipped");
            return null;
        }
        double lon;
        double lat;
        double heading;
        try {
            lon = number(row, "lon", true, -180, 180, "longitude");
            lat = number(row, "lat", true, -90, 90, "latitude");
            String h = first(row, "heading", "heading_deg", "heading_true_deg", "compass_angle");
            heading = h == null ? Double.NaN : parse(h, "heading");
            if (!Double.isNaN(heading)) {
                heading = ((heading % 360) + 360) % 360;
            }
        } catch (IllegalArgumentException e) {
            issues.report(BuildIssues.Kind.MANIFEST_BAD_ROW, where, e.getMessage() + "; row skipped");
            return null;
        }
        Path path = base.resolve(file).normalize();
        if (!Files.isRegularFile(path)) {
            issues.report(BuildIssues.Kind.PHOTO_UNREADABLE, where, "image file " + path + " does not exist; row skipped");
            return null;
        }
        String id = first(row, "id", "image_id");
        if (id == null) {
            id = file.replaceFirst("\\.[A-Za-z]+$", "");
        }
        String placement = first(row, "placement");
        boolean syntheticPlacement = placement != null && placement.strip().equalsIgnoreCase("synthetic");
        if (placement != null && !syntheticPlacement && !placement.strip().equalsIgnoreCase("real")) {
            issues.report(BuildIssues.Kind.MANIFEST_BAD_ROW, where, "placement '" + placement
                    + "' is neither 'real' nor 'synthetic'; row skipped");
            return null;
        }
        return new ImageRecord(ImageRecord.safeId(id), path, lon, lat, heading,
                first(row, "capture_time", "capture_time_local", "time"), false, syntheticPlacement, where);
    }

    private static String first(Map<String, String> row, String... keys) {
        for (String k : keys) {
            String v = row.get(k);
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return null;
    }

    private static double number(Map<String, String> row, String key, boolean required, double min, double max,
            String what) {
        String v = first(row, key, key.equals("lon") ? "longitude" : "latitude");
        if (v == null) {
            if (required) {
                throw new IllegalArgumentException("missing " + what + " ('" + key + "')");
            }
            return Double.NaN;
        }
        double d = parse(v, what);
        if (d < min || d > max) {
            throw new IllegalArgumentException(what + " " + v + " is outside " + min + ".." + max);
        }
        return d;
    }

    private static double parse(String v, String what) {
        try {
            double d = Double.parseDouble(v.strip());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + v + "' is not a number");
        }
    }
}

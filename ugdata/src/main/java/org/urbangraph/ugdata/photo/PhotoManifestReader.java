package org.urbangraph.ugdata.photo;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.CoderResult;
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
 * Lines starting with {@code #} are comments; blank lines are ignored. The file must be UTF-8 (a byte-order mark is
 * allowed); any other encoding is an error naming the file and line.
 *
 * <p>A row with a bad number, a missing file, a duplicate id, more values than the header has columns, or CSV the
 * parser rejects (an unclosed quote) is reported with its file and line and skipped.
 */
public final class PhotoManifestReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PhotoManifestReader() {}

    public static List<ImageRecord> read(Path manifest, BuildIssues issues) throws IOException {
        if (!Files.isRegularFile(manifest)) {
            throw new IOException("photo manifest " + manifest + " does not exist");
        }
        String text = utf8(manifest);
        List<Map.Entry<Long, Map<String, String>>> rows = isJsonLines(manifest, text)
                ? readJsonl(manifest, text, issues) : readCsv(manifest, text, issues);
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

    /**
     * The manifest's text, without a leading byte-order mark. A manifest must be UTF-8: another encoding is an
     * error that names the file, the line and the byte, rather than a guess that garbles file names.
     */
    static String utf8(Path p) throws IOException {
        byte[] bytes = Files.readAllBytes(p);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new IOException(String.format(Locale.ROOT, "%s: line %d: byte 0x%02X is not UTF-8 text; a photo"
                    + " manifest must be UTF-8 (save it as UTF-8)", p, line, bytes[at] & 0xFF));
        }
        String s = out.flip().toString();
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static boolean isJsonLines(Path p, String text) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
            return true;
        }
        if (n.endsWith(".csv")) {
            return false;
        }
        return text.lines().findFirst().orElse("").strip().startsWith("{");
    }

    /**
     * Reads the CSV rows (the first row is the header) with Jackson's CSV parser, one row a list of values, so a
     * row with more values than the header has columns is reported rather than ending the read. A row the parser
     * rejects (an unclosed quote, text after a closing quote) is reported with its line and skipped, and reading
     * starts again on the next line. Rows are keyed by the line they start on.
     */
    private static List<Map.Entry<Long, Map<String, String>>> readCsv(Path p, String text, BuildIssues issues)
            throws IOException {
        List<Integer> lineStarts = new ArrayList<>();
        lineStarts.add(0);
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lineStarts.add(i + 1);
            }
        }
        // without columns in the schema, the parser gives each row as an array of its values
        ObjectReader csv = new CsvMapper().reader()
                .with(CsvSchema.emptySchema().withComments())
                .with(CsvParser.Feature.SKIP_EMPTY_LINES);
        List<Map.Entry<Long, Map<String, String>>> rows = new ArrayList<>();
        List<String> header = null;
        int from = 1; // the line parsing starts on, 1-based
        while (from <= lineStarts.size()) {
            long rowLine = -1; // the line the current row starts on
            long next = from; // the first line after the last complete row
            try (JsonParser parser = csv.createParser(text.substring(lineStarts.get(from - 1)))) {
                List<String> values = null;
                for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
                    if (t == JsonToken.START_ARRAY) {
                        values = new ArrayList<>();
                        rowLine = -1;
                    } else if (t == JsonToken.END_ARRAY) {
                        next = from + parser.currentLocation().getLineNr() - 1;
                        if (header == null) {
                            header = values.stream().map(v -> v.strip().toLowerCase(Locale.ROOT)).toList();
                        } else if (values.size() > header.size()) {
                            issues.report(BuildIssues.Kind.MANIFEST_BAD_ROW, p + ": line " + rowLine, values.size()
                                    + " values, but the header has " + header.size() + " columns; row skipped");
                        } else {
                            Map<String, String> row = new LinkedHashMap<>();
                            for (int i = 0; i < values.size(); i++) {
                                row.put(header.get(i), values.get(i));
                            }
                            rows.add(Map.entry(rowLine, row));
                        }
                        values = null;
                    } else if (t.isScalarValue() && values != null) {
                        if (rowLine < 0) {
                            rowLine = from + parser.currentTokenLocation().getLineNr() - 1;
                        }
                        values.add(parser.getText());
                    }
                }
                break;
            } catch (JsonProcessingException e) {
                long bad = rowLine > 0 ? rowLine : firstContentLine(text, lineStarts, next);
                String why = "not valid CSV (" + e.getOriginalMessage() + ")";
                if (header == null) {
                    throw new IOException(p + ": line " + bad + ": the header row is " + why, e);
                }
                issues.report(BuildIssues.Kind.MANIFEST_BAD_ROW, p + ": line " + bad, why + "; row skipped");
                from = (int) bad + 1;
            }
        }
        return rows;
    }

    /** The first line at or after {@code line} that is neither blank nor a comment (where a row starts). */
    private static long firstContentLine(String text, List<Integer> lineStarts, long line) {
        for (long l = line; l <= lineStarts.size(); l++) {
            int start = lineStarts.get((int) l - 1);
            int end = l < lineStarts.size() ? lineStarts.get((int) l) : text.length();
            String s = text.substring(start, end).strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                return l;
            }
        }
        return line;
    }

    private static List<Map.Entry<Long, Map<String, String>>> readJsonl(Path p, String text, BuildIssues issues) {
        List<Map.Entry<Long, Map<String, String>>> rows = new ArrayList<>();
        long line = 0;
        for (String s : (Iterable<String>) text.lines()::iterator) {
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
        return rows;
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

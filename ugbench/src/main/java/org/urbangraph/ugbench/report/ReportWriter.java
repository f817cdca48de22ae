package org.urbangraph.ugbench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.urbangraph.ugbench.AtomicFiles;
import org.urbangraph.ugbench.BenchResults;

/**
 * Writes the three report files into a folder as a set: {@code results.json}, {@code results.md},
 * {@code report.html}. Everything is rendered first and written to temporary files, which replace the old ones only
 * once all three are on the disk, so a failure leaves the folder as it was.
 */
public final class ReportWriter {
    private ReportWriter() {}

    public static final String JSON = "results.json";
    public static final String MARKDOWN = "results.md";
    public static final String HTML = "report.html";

    public static void write(BenchResults results, Path dir) throws IOException {
        String json = ResultsJson.render(results);
        String md = MarkdownReport.render(results);
        String html = HtmlReport.render(results);
        Files.createDirectories(dir);
        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(dir.resolve(JSON), json.getBytes(StandardCharsets.UTF_8));
        files.put(dir.resolve(MARKDOWN), md.getBytes(StandardCharsets.UTF_8));
        files.put(dir.resolve(HTML), html.getBytes(StandardCharsets.UTF_8));
        AtomicFiles.writeAll(files);
    }
}

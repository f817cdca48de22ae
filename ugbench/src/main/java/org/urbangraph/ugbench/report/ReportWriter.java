package org.urbangraph.ugbench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.urbangraph.ugbench.AtomicFiles;
import org.urbangraph.ugbench.BenchResults;

/**
 * Writes the three report files into a folder, each atomically: {@code results.json}, {@code results.md},
 * {@code report.html}. Everything is rendered first, so a failure leaves the folder as it was.
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
        AtomicFiles.writeString(dir.resolve(JSON), json);
        AtomicFiles.writeString(dir.resolve(MARKDOWN), md);
        AtomicFiles.writeString(dir.resolve(HTML), html);
    }
}

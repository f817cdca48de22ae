package org.urbangraph.ugbench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugbench.BenchConfig;
import org.urbangraph.ugbench.BenchResults;
import org.urbangraph.ugbench.BenchVariant;
import org.urbangraph.ugbench.QueryExample;
import org.urbangraph.ugbench.TestCities;
import org.urbangraph.ugbench.UgBench;
import org.urbangraph.ugbench.cache.InputHasher;
import org.urbangraph.ugbench.embed.OracleEmbedder;
import org.urbangraph.ugbench.embed.RandomEmbedder;
import org.urbangraph.ugbench.task.BenchData;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.RgbImage;

/**
 * The three report files of an oracle and a random variant on the test cities: the fields of {@code results.json},
 * the tables of {@code results.md}, and {@code report.html} as headless Chromium renders it from disk.
 */
class ReportFilesTest {
    @TempDir
    static Path out;

    static BenchResults results;

    @BeforeAll
    static void writeReports() throws Exception {
        BenchConfig cfg = BenchConfig.builder(TestCities.dirs()).bootstrap(200).mapQueries(1).build();
        BenchData data = UgBench.load(cfg);
        InputHasher h = new InputHasher();
        results = UgBench.run(cfg, data, List.of(BenchVariant.of("oracle", OracleEmbedder.of(data, h)),
                new BenchVariant("random", new RandomEmbedder(1, 64, h), false, "chance floor")));
        UgBench.writeReports(results, out);
    }

    @Test
    void resultsJsonHasOneRowPerTaskModeCityAndVariant() throws Exception {
        JsonNode root = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals("ugbench-1", root.get("format").asText());
        JsonNode rows = root.get("rows");
        assertEquals(results.rows().size(), rows.size());
        Set<String> keys = new HashSet<>();
        for (JsonNode r : rows) {
            for (String f : List.of("task", "mode", "city", "split", "variant", "n", "hit@1", "hit@3", "hit@5",
                    "hit@10", "mrr", "hit@1_ci95", "hit@3_ci95", "hit@5_ci95", "hit@10_ci95", "mrr_ci95", "chance")) {
                assertTrue(r.has(f), "row lacks " + f + ": " + r);
            }
            assertTrue(r.get("split").asText().equals("train") || r.get("split").asText().equals("held-out"));
            JsonNode ci = r.get("hit@1_ci95");
            assertEquals(2, ci.size());
            assertTrue(ci.get(0).asDouble() <= r.get("hit@1").asDouble() + 1e-9
                    && r.get("hit@1").asDouble() <= ci.get(1).asDouble() + 1e-9, r.toString());
            if (r.get("task").asText().startsWith("perception_")) {
                assertEquals("openstreetmap", r.get("label_source").asText());
            }
            if (r.get("variant").asText().equals("oracle")) {
                assertEquals(1.0, r.get("mrr").asDouble());
            }
            assertTrue(keys.add(r.get("task").asText() + "|" + r.get("mode").asText() + "|" + r.get("city").asText()
                    + "|" + r.get("variant").asText()), "one row per task, mode, city and variant");
        }
        assertEquals(2, root.get("variants").size());
        assertFalse(root.get("variants").get(1).get("uses_graphs").asBoolean());
    }

    @Test
    void resultsMarkdownHasOneTablePerTask() throws Exception {
        String md = Files.readString(out.resolve("results.md"));
        for (String task : results.tasks()) {
            assertTrue(md.contains("(`" + task + "`)\n\n| variant · mode | Berlin Tiergarten (train) | Monaco (held-out) |"),
                    task + " table in:\n" + md);
        }
        assertTrue(md.contains("| oracle · image+graph | 1.00 / 1.00 / 1.00 / 1.00 · 1.00 |"), md);
        assertTrue(md.contains("| *chance* |"), md);
        assertTrue(md.contains("OSM-derived labels"), md);
        // a probe task's table ends with the class-frequency floor of each city, from the rows' own priors
        int probeTables = 0;
        for (String task : results.tasks()) {
            List<org.urbangraph.ugbench.ResultRow> rows = results.rows(task);
            if (rows.stream().noneMatch(x -> x.probe() != null)) {
                assertFalse(tableOf(md, task).contains("*class frequency*"), task);
                continue;
            }
            probeTables++;
            Columns.Line first = Columns.lines(rows).getFirst();
            StringBuilder expected = new StringBuilder("| *class frequency* |");
            for (Columns.Column c : Columns.columns(results)) {
                var row = rows.stream().filter(x -> !c.pooled() && x.city().equals(c.city())
                        && x.variant().equals(first.variant()) && x.mode().equals(first.mode())).findFirst();
                expected.append(row.isEmpty() ? " |" : " *" + Columns.compact(row.get().probe().prior()) + "* |");
            }
            assertTrue(tableOf(md, task).contains(expected + "\n"), expected + " in\n" + tableOf(md, task));
        }
        assertTrue(probeTables > 0, "the test cities have probe tasks");
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(Set.of("results.json", "results.md", "report.html"),
                    Set.copyOf(s.map(p -> p.getFileName().toString()).toList()), "no temporary files remain");
        }
    }

    /** The markdown of one task's section: from its title line to the next title. */
    private static String tableOf(String md, String task) {
        int at = md.indexOf("(`" + task + "`)");
        int end = md.indexOf("\n## ", at);
        return md.substring(at, end < 0 ? md.length() : end);
    }

    @Test
    void reportHtmlIsSelfContained() throws Exception {
        String html = Files.readString(out.resolve("report.html"));
        Matcher m = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
        int images = 0;
        while (m.find()) {
            assertTrue(m.group(1).startsWith("data:image/png;base64,"), "only embedded images, got "
                    + m.group(1).substring(0, Math.min(60, m.group(1).length())));
            images++;
        }
        assertTrue(images >= 2 * results.tasks().size() - 2, images + " images");
    }

    @Test
    void thumbnailsAverageTheSourcePixelsTheyCover(@TempDir Path dir) throws Exception {
        // one-pixel black and white stripes, 1000 wide: each thumbnail pixel covers several, so it is grey, not a
        // sample of a stripe
        BufferedImage stripes = new BufferedImage(1000, 300, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 300; y++) {
            for (int x = 0; x < 1000; x++) {
                stripes.setRGB(x, y, (x + y) % 2 == 0 ? 0xFFFFFF : 0);
            }
        }
        Path png = dir.resolve("stripes.png");
        ImageIO.write(stripes, "png", png.toFile());
        BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(HtmlReport.thumbnail(png)));
        assertEquals(220, thumb.getWidth());
        assertEquals(66, thumb.getHeight());
        for (int y = 0; y < thumb.getHeight(); y++) {
            for (int x = 0; x < thumb.getWidth(); x++) {
                int g = thumb.getRGB(x, y) & 0xFF;
                assertTrue(Math.abs(g - 127.5) < 20, "pixel " + x + ", " + y + ": " + g);
            }
        }
    }

    @Test
    void thumbnailsAreDecodedAsTheModelsDecodeThem() throws Exception {
        // a JPEG without Huffman tables (the standard ones implied): our decoder reads it, javax.imageio does not
        Path jpeg = Fixtures.path("images", "jpeg", "no_huffman_tables.jpg");
        RgbImage src = Images.read(jpeg);
        BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(HtmlReport.thumbnail(jpeg)));
        int w = Math.min(220, src.width());
        assertEquals(w, thumb.getWidth());
        assertEquals(Math.round(src.height() * (w / (double) src.width())), thumb.getHeight());
        // the same picture: the mean of each channel within 2 of the source's
        for (int c = 0; c < 3; c++) {
            double a = 0;
            for (int i = c; i < src.pixels().length; i += 3) {
                a += src.pixels()[i] & 0xFF;
            }
            double b = 0;
            for (int y = 0; y < thumb.getHeight(); y++) {
                for (int x = 0; x < thumb.getWidth(); x++) {
                    b += thumb.getRGB(x, y) >> (16 - 8 * c) & 0xFF;
                }
            }
            assertEquals(a / (src.width() * src.height()), b / (thumb.getWidth() * thumb.getHeight()), 2.0,
                    "channel " + c);
        }
    }

    @Test
    void aQueryImageThatCannotBeShownIsLeftOutWithANote(@TempDir Path dir) throws Exception {
        Path jpeg = Fixtures.path("images", "jpeg", "no_huffman_tables.jpg");
        Path broken = Files.writeString(dir.resolve("broken.jpg"), "not an image");
        List<QueryExample> examples = new ArrayList<>();
        for (QueryExample ex : results.examples().subList(0, 2)) {
            Path image = examples.isEmpty() ? jpeg : broken;
            examples.add(new QueryExample(ex.task(), ex.mode(), ex.city(), ex.variant(), ex.questionId(), image,
                    ex.queryText(), ex.lon(), ex.lat(), ex.headingDeg(), ex.truth(), ex.top(), ex.truthRank(),
                    ex.datasetDir()));
        }
        BenchResults r = new BenchResults(results.settings(), results.cities(), results.variants(), results.rows(),
                results.pooled(), examples, results.notes());
        Path reports = dir.resolve("reports");
        UgBench.writeReports(r, reports);
        assertEquals(results.rows().size(), new ObjectMapper().readTree(reports.resolve("results.json").toFile())
                .get("rows").size());
        assertEquals(MarkdownReport.render(r), Files.readString(reports.resolve("results.md")));
        String html = Files.readString(reports.resolve("report.html"));
        assertEquals(1, count(html, "<img class=\"query\""), "the JPEG is shown, the broken file is not");
        assertEquals(2, count(html, "<img class=\"map\""));
        assertTrue(html.contains("<p class=\"note\">The query image " + broken + " is not shown: "), html);
    }

    @Test
    void chromiumRendersTheChartsTablesAndMaps() throws Exception {
        String chromium = chromium();
        assumeTrue(chromium != null, "no Chromium binary (chromium, chromium-browser, google-chrome) on the PATH: "
                + "install it (apt-get install -y chromium) to check report.html in a browser");
        Path profile = Files.createTempDirectory("ugbench-chromium");
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--dump-dom", out.resolve("report.html").toUri().toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] dom = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "Chromium finished");
        assertEquals(0, p.exitValue(), "Chromium exit code");
        String d = new String(dom, StandardCharsets.UTF_8);

        int tasks = results.tasks().size();
        assertEquals(tasks, count(d, "<table class=\"results\">"), "one results table per task");
        assertEquals(tasks, count(d, "<section class=\"task\""));
        int charts = count(d, "<img class=\"chart\"");
        assertTrue(charts >= tasks, charts + " charts for " + tasks + " tasks");
        assertTrue(count(d, "<img class=\"map\"") >= 2, "maps of example queries");
        Matcher decoded = Pattern.compile("data-images-decoded=\"(\\d+)/(\\d+)\"").matcher(d);
        assertTrue(decoded.find(), "the page's load handler ran");
        assertEquals(decoded.group(2), decoded.group(1), "every embedded image decoded");
        assertEquals(count(d, "<img "), Integer.parseInt(decoded.group(2)));
        assertTrue(d.contains("Monaco (held-out)") && d.contains("Berlin Tiergarten (train)"));
        deleteTree(profile);
    }

    static String chromium() {
        String env = System.getenv("UG_CHROMIUM");
        if (env != null && new File(env).canExecute()) {
            return env;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
                File f = new File(dir, name);
                if (f.canExecute()) {
                    return f.getPath();
                }
            }
        }
        return null;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}

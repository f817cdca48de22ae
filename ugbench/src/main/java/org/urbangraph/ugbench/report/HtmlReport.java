package org.urbangraph.ugbench.report;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.urbangraph.ugbench.BenchResults;
import org.urbangraph.ugbench.QueryExample;
import org.urbangraph.ugbench.ResultRow;
import org.urbangraph.ugbench.metrics.Estimate;
import org.urbangraph.ugbench.metrics.Metric;
import org.urbangraph.ugdata.graph.GraphFile;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.RgbImage;

/**
 * {@code report.html}: one self-contained page (every chart, map and thumbnail is a data URI; no network, no files
 * beside it). Per task: Hit@K bar charts for the training and the held-out cities, and a table with a line per variant
 * and mode and a column per city, each cell with its 95 % interval of Hit@1. Then example queries: the query image, a
 * map with the truth and the top five, and the top five as text.
 */
final class HtmlReport {
    private HtmlReport() {}

    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:1200px;\
            color:#222;padding:0 1em}
            h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
            table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
            th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
            th{background:#f6f6f6}td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
            td.chance{color:#777;font-style:italic}.ci{color:#777;font-size:.85em}
            .charts{display:flex;flex-wrap:wrap;gap:1em}.charts img{border:1px solid #eee}
            .example{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start;margin:1em 0;padding:.6em;\
            border:1px solid #eee}
            .example ol{margin:.2em 0 0 1.2em;padding:0;font-size:.88em;max-width:380px}
            .truth{color:#1a9850;font-weight:600}.meta{color:#555;font-size:.85em;max-width:380px}
            .note{background:#fff8e1;padding:.5em .8em;border-left:3px solid #f0c040}
            footer{margin-top:3em;color:#777;font-size:.85em}
            """;

    static String render(BenchResults r) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>UGBench report</title><style>").append(CSS).append("</style></head>\n<body>\n");
        h.append("<h1>UGBench report</h1>\n");
        intro(h, r);
        List<Columns.Column> cols = Columns.columns(r);
        for (String task : r.tasks()) {
            List<ResultRow> rows = r.rows(task);
            h.append("<section class=\"task\" id=\"task-").append(esc(task)).append("\">\n<h2>")
                    .append(esc(rows.getFirst().title())).append(" <code>").append(esc(task)).append("</code></h2>\n");
            h.append("<div class=\"charts\">");
            for (String split : List.of("train", "held-out")) {
                Columns.Column pooled = new Columns.Column(null, split, split);
                String title = (split.equals("train") ? "Training cities" : "Held-out cities");
                byte[] png = HitCharts.png(title, rows, pooled);
                if (png != null) {
                    h.append("<img class=\"chart\" alt=\"Hit@K, ").append(esc(task)).append(", ").append(split)
                            .append("\" width=\"").append(HitCharts.WIDTH).append("\" height=\"")
                            .append(HitCharts.HEIGHT).append("\" src=\"").append(dataUri("image/png", png)).append("\">");
                }
            }
            h.append("</div>\n");
            table(h, r, rows, cols);
            if (task.startsWith("perception_")) {
                h.append("<p class=\"meta\">Labels derived from OpenStreetMap within 200 m of the image (the authors'"
                        + " human perception labels are not available).");
                if (rows.stream().anyMatch(x -> x.probe() != null)) {
                    String left = Columns.excluded(r, rows, Columns.chanceLines(rows, cols));
                    h.append(" Linear probe: ridge regression on the <code>fold: train</code> rows, ridge by"
                            + " leave-one-out. <em>Class frequency</em>: ranking the classes by how often they occur in"
                            + " the training fold, on the same test rows: the floor a probe reaches with no"
                            + " information from the embedding.").append(left.isEmpty() ? "" : " Test rows left out"
                            + " because their class never occurs in the training fold: " + esc(left) + ".");
                }
                h.append("</p>\n");
            }
            h.append("</section>\n");
        }
        examples(h, r);
        h.append("<footer>").append(attribution(r)).append(" Generated by UrbanGraph ugbench.</footer>\n");
        // marks the page once every embedded image has decoded, so a headless browser can check it
        h.append("<script>window.addEventListener('load',function(){var im=document.images,ok=0;"
                + "for(var i=0;i<im.length;i++){if(im[i].complete&&im[i].naturalWidth>0){ok++;}}"
                + "document.body.setAttribute('data-images-decoded',ok+'/'+im.length);});</script>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void intro(StringBuilder h, BenchResults r) {
        h.append("<p>Hit@K: the share of questions whose truth is among the K best-scored candidates (cosine"
                + " similarity of the embeddings; ties count as the expected value of a random tie-break). MRR: the"
                + " mean reciprocal rank of the truth. Intervals: 95 % percentile bootstrap over questions (")
                .append(r.settings().bootstrap()).append(" resamples, seed ").append(r.settings().seed())
                .append("). <em>Chance</em>: the value of a uniformly random ranking of the same candidates.</p>\n");
        h.append("<table class=\"datasets\"><tr><th>city</th><th>split</th><th>questions</th><th>dataset</th></tr>");
        for (BenchResults.CityInfo c : r.cities()) {
            h.append("<tr><td>").append(esc(c.name())).append("</td><td>").append(esc(c.split())).append("</td><td>")
                    .append(c.questions().values().stream().mapToInt(Integer::intValue).sum()).append("</td><td><code>")
                    .append(esc(c.dir().toAbsolutePath().toString())).append("</code></td></tr>");
        }
        h.append("</table>\n<table class=\"variants\"><tr><th>variant</th><th>embedder</th><th>dimension</th>"
                + "<th>graphs</th><th>note</th></tr>");
        for (BenchResults.VariantInfo v : r.variants()) {
            h.append("<tr><td>").append(esc(v.name())).append("</td><td><code>").append(esc(v.embedderId()))
                    .append("</code></td><td>").append(v.dimension()).append("</td><td>")
                    .append(v.usesGraphs() ? "used" : "ignored").append("</td><td>")
                    .append(v.note() == null ? "" : esc(v.note())).append("</td></tr>");
        }
        h.append("</table>\n");
        for (String n : r.notes()) {
            h.append("<p class=\"note\">").append(esc(n)).append("</p>\n");
        }
    }

    private static void table(StringBuilder h, BenchResults r, List<ResultRow> rows, List<Columns.Column> cols) {
        h.append("<table class=\"results\"><tr><th>variant · mode</th>");
        for (Columns.Column c : cols) {
            h.append("<th>").append(esc(c.header())).append("</th>");
        }
        h.append("</tr>\n");
        List<Columns.Line> lines = Columns.lines(rows);
        boolean few = false;
        for (Columns.Line line : lines) {
            h.append("<tr><td>").append(esc(Columns.lineLabel(line))).append("</td>");
            for (Columns.Column c : cols) {
                int[] n = new int[1];
                Map<Metric, Double> v = Columns.cell(rows, line, c, n);
                h.append("<td class=\"num\">").append(esc(Columns.compact(v)));
                ResultRow row = v == null ? null : c.pooled()
                        ? r.pooled(rows.getFirst().task(), line.variant(), line.mode(), c.split())
                        : rows.stream().filter(x -> x.variant().equals(line.variant())
                                && x.mode().equals(line.mode()) && x.city().equals(c.city())).findFirst().orElseThrow();
                if (row != null) {
                    Estimate e = row.get(Metric.HIT_1);
                    h.append(String.format(Locale.ROOT, "<br><span class=\"ci\">Hit@1 95%% CI [%.2f, %.2f], n=%d%s</span>",
                            e.low(), e.high(), row.n(), row.n() < Columns.FEW ? " \u2020" : ""));
                    few |= row.n() < Columns.FEW;
                } else if (v != null) {
                    h.append("<br><span class=\"ci\">n=").append(n[0]).append("</span>");
                }
                h.append("</td>");
            }
            h.append("</tr>\n");
        }
        List<Columns.ChanceLine> chances = Columns.chanceLines(rows, cols);
        for (Columns.ChanceLine cl : chances) {
            h.append("<tr><td class=\"chance\">").append(esc(cl.label("chance"))).append("</td>");
            for (Columns.Column c : cols) {
                h.append("<td class=\"num chance\">").append(esc(Columns.compact(Columns.chance(rows, cl.line(), c))));
                if (chances.size() > 1) {
                    h.append("<br><span class=\"ci\">n=").append(Columns.questions(rows, cl, c)).append("</span>");
                }
                h.append("</td>");
            }
            h.append("</tr>\n");
        }
        if (rows.stream().anyMatch(x -> x.probe() != null)) {
            for (Columns.ChanceLine cl : chances) {
                h.append("<tr><td class=\"chance\">").append(esc(cl.label("class frequency"))).append("</td>");
                for (Columns.Column c : cols) {
                    Map<Metric, Double> p = Columns.prior(rows, cl.line(), c);
                    h.append("<td class=\"num chance\">").append(p == null ? "" : esc(Columns.compact(p)))
                            .append("</td>");
                }
                h.append("</tr>\n");
            }
        }
        h.append("</table>\n<p class=\"ci\">Cells: Hit@1 / Hit@3 / Hit@5 / Hit@10 · MRR.");
        if (few) {
            h.append(" \u2020 Fewer than ").append(Columns.FEW).append(" questions: a percentile bootstrap understates"
                    + " the uncertainty of so few (with no hit at all it gives [0.00, 0.00]).");
        }
        h.append("</p>\n");
    }

    private static void examples(StringBuilder h, BenchResults r) throws IOException {
        if (r.examples().isEmpty()) {
            return;
        }
        h.append("<section id=\"examples\"><h2>Example queries</h2>\n<p>Blue: the camera and its field of view. Green"
                + " ring: the truth. Numbered: the top five, green when it is the truth. A truth that ties with other"
                + " candidates is ranked and listed after them (the metrics average over the tie).</p>\n");
        Map<Path, GraphFile> graphs = new HashMap<>();
        for (QueryExample ex : r.examples()) {
            GraphFile g = graphs.get(ex.datasetDir());
            if (g == null) {
                g = GraphFile.read(ex.datasetDir().resolve("graph.json"));
                graphs.put(ex.datasetDir(), g);
            }
            h.append("<div class=\"example\" data-task=\"").append(esc(ex.task())).append("\">");
            if (ex.queryImage() != null) {
                byte[] thumb;
                try {
                    thumb = thumbnail(ex.queryImage());
                } catch (IOException | RuntimeException e) {
                    // a picture the report cannot show must not cost the results: leave it out and say why
                    thumb = null;
                    h.append("<p class=\"note\">The query image ").append(esc(ex.queryImage().toString()))
                            .append(" is not shown: ").append(esc(e.getMessage())).append("</p>");
                }
                if (thumb != null) {
                    h.append("<img class=\"query\" alt=\"query image ").append(esc(ex.questionId()))
                            .append("\" src=\"").append(dataUri("image/png", thumb)).append("\">");
                }
            }
            h.append("<img class=\"map\" alt=\"map of ").append(esc(ex.questionId())).append("\" width=\"")
                    .append(CityMap.SIZE).append("\" height=\"").append(CityMap.SIZE).append("\" src=\"")
                    .append(dataUri("image/png", CityMap.png(g, ex))).append("\">");
            h.append("<div><div class=\"meta\"><b>").append(esc(ex.task())).append("</b> · ").append(esc(ex.mode()))
                    .append(" · ").append(esc(ex.city())).append(" · variant <b>").append(esc(ex.variant()))
                    .append("</b><br>").append(esc(ex.questionId())).append(": ")
                    .append(esc(shorten(ex.queryText(), 240))).append("<br>Truth ranked ").append(ex.truthRank())
                    .append(": <span class=\"truth\">").append(esc(shorten(ex.truth().text(), 160)))
                    .append("</span></div><ol>");
            for (QueryExample.Pick p : ex.top()) {
                h.append("<li").append(p.isTruth() ? " class=\"truth\"" : "").append(">")
                        .append(esc(shorten(p.text(), 160)))
                        .append(String.format(Locale.ROOT, " <span class=\"ci\">(%.3f)</span>", p.score()))
                        .append("</li>");
            }
            h.append("</ol></div></div>\n");
        }
        h.append("</section>\n");
    }

    private static String attribution(BenchResults r) {
        return r.cities().stream().map(BenchResults.CityInfo::attribution).filter(a -> a != null && !a.isBlank())
                .findFirst().map(HtmlReport::esc).orElse("");
    }

    /**
     * A query image scaled to 220 pixels wide, as PNG, decoded by the reader the models use ({@link Images#read}: the
     * pixels they see, and every PNG and JPEG they take). Each thumbnail pixel is the mean of the source pixels it
     * covers, computed straight from the decoded bytes: no full-size copy beside them (a 48-megapixel photo's would
     * be hundreds of megabytes).
     *
     * @throws org.urbangraph.vlm.image.ImageFormatException if the file cannot be read or decoded
     */
    static byte[] thumbnail(Path image) throws IOException {
        RgbImage rgb = Images.read(image);
        int sw = rgb.width();
        int sh = rgb.height();
        int w = Math.min(220, sw);
        int hgt = Math.max(1, (int) Math.round(sh * (w / (double) sw)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(areaAverage(rgb.pixels(), sw, sh, w, hgt), "png", out);
        return out.toByteArray();
    }

    /**
     * Scales packed RGB bytes down to {@code w} x {@code h} (at most the source's size) by area averaging: source
     * column x falls in target column x * w / sw, row y in row y * h / sh, and each target pixel is the rounded mean
     * of its source pixels.
     */
    static BufferedImage areaAverage(byte[] px, int sw, int sh, int w, int h) {
        int[] colOf = new int[sw];
        for (int x = 0; x < sw; x++) {
            colOf[x] = (int) ((long) x * w / sw);
        }
        BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        long[] sums = new long[3 * w];
        long[] counts = new long[w];
        int[] row = new int[w];
        int current = 0;
        for (int y = 0; y <= sh; y++) {
            int dy = y == sh ? h : (int) ((long) y * h / sh);
            if (dy != current) {
                for (int x = 0; x < w; x++) {
                    long n = counts[x];
                    row[x] = (int) ((sums[3 * x] + n / 2) / n) << 16 | (int) ((sums[3 * x + 1] + n / 2) / n) << 8
                            | (int) ((sums[3 * x + 2] + n / 2) / n);
                }
                dst.setRGB(0, current, w, 1, row, 0, w);
                Arrays.fill(sums, 0);
                Arrays.fill(counts, 0);
                current = dy;
            }
            if (y == sh) {
                break;
            }
            int base = 3 * y * sw;
            for (int x = 0; x < sw; x++) {
                int dx = colOf[x];
                int i = base + 3 * x;
                sums[3 * dx] += px[i] & 0xFF;
                sums[3 * dx + 1] += px[i + 1] & 0xFF;
                sums[3 * dx + 2] += px[i + 2] & 0xFF;
                counts[dx]++;
            }
        }
        return dst;
    }

    static String dataUri(String type, byte[] bytes) {
        return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes);
    }

    static String shorten(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}

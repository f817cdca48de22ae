package org.urbangraph.ugbench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugbench.FnEmbedder;
import org.urbangraph.ugbench.BenchConfig;
import org.urbangraph.ugbench.BenchResults;
import org.urbangraph.ugbench.BenchVariant;
import org.urbangraph.ugbench.ResultRow;
import org.urbangraph.ugbench.UgBench;
import org.urbangraph.ugbench.metrics.Metric;
import org.urbangraph.ugbench.task.TaskFiles;
import org.urbangraph.uge.embed.Embedder;

/** The task tables of the reports on hand-written questions: chance lines per mode. */
class ReportTablesTest {
    @TempDir
    Path tmp;

    /** Every input gets the same vector, so every cell scores exactly its chance. */
    private static final Embedder SAME = FnEmbedder.constant("same-vector", 1, 0);

    /**
     * Two questions: one of two candidates asked in the image and the text mode, one of four in the text mode only.
     * Chance in the image mode is that of two candidates over one question; in the text mode the mean over both.
     */
    private BenchResults twoModes() throws Exception {
        TaskFiles f = new TaskFiles(tmp.resolve("monaco"), "monaco", "train");
        String img = f.file("images/a.png", "a");
        ObjectNode r1 = f.row("nearest_poi", List.of("image", "text"), img, null, "Which place?");
        TaskFiles.textCandidate(r1, "a", "A");
        TaskFiles.textCandidate(r1, "b", "B");
        r1.put("answer", 0);
        ObjectNode r2 = f.row("nearest_poi", List.of("text"), null, null, "Which place is next?");
        for (String c : List.of("A", "B", "C", "D")) {
            TaskFiles.textCandidate(r2, c, c);
        }
        r2.put("answer", 0);
        BenchConfig cfg = BenchConfig.builder(List.of(f.write())).bootstrap(100).mapQueries(0).build();
        return UgBench.run(cfg, List.of(BenchVariant.of("model", SAME)));
    }

    @Test
    void eachModeHasTheChanceAndQuestionsOfItsOwnQuestions() throws Exception {
        BenchResults r = twoModes();
        ResultRow image = r.rows().stream().filter(x -> x.mode().equals("image")).findFirst().orElseThrow();
        ResultRow text = r.rows().stream().filter(x -> x.mode().equals("text")).findFirst().orElseThrow();
        assertEquals(1, image.n());
        assertEquals(2, text.n());
        assertEquals(0.5, image.get(Metric.HIT_1).chance(), 1e-12);
        assertEquals((0.5 + 0.25) / 2, text.get(Metric.HIT_1).chance(), 1e-12);
        assertEquals((0.75 + (1 + 1 / 2.0 + 1 / 3.0 + 1 / 4.0) / 4) / 2, text.get(Metric.MRR).chance(), 1e-12);
        String imageChance = "0.50 / 1.00 / 1.00 / 1.00 · 0.75";
        String textChance = "0.38 / 0.88 / 1.00 / 1.00 · 0.64";

        String md = MarkdownReport.render(r);
        assertTrue(md.contains("| model · image | " + imageChance + " |\n| model · text | " + textChance + " |\n"
                + "| *chance (image)* | *" + imageChance + "* |\n| *chance (text)* | *" + textChance + "* |\n"), md);
        assertTrue(md.contains("Questions: Monaco (train) image 1, text 2."), md);

        String console = ConsoleTable.render(r);
        assertTrue(console.contains("chance (image)   " + imageChance + " (n=1)"), console);
        assertTrue(console.contains("chance (text)    " + textChance + " (n=2)"), console);

        String html = HtmlReport.render(r);
        assertTrue(html.contains("<tr><td class=\"chance\">chance (image)</td><td class=\"num chance\">" + imageChance
                + "<br><span class=\"ci\">n=1</span></td></tr>"), html);
        assertTrue(html.contains("<tr><td class=\"chance\">chance (text)</td><td class=\"num chance\">" + textChance
                + "<br><span class=\"ci\">n=2</span></td></tr>"), html);

        // the charts draw the same two lines: a grey bar per mode
        Columns.Column all = new Columns.Column(null, "train", "train");
        List<Columns.ChanceLine> lines = Columns.chanceLines(r.rows(), List.of(all));
        assertEquals(List.of("chance (image)", "chance (text)"), lines.stream().map(l -> l.label("chance")).toList());
        assertEquals(0.375, Columns.chance(r.rows(), lines.get(1).line(), all).get(Metric.HIT_1), 1e-12);
    }

    @Test
    void aBarInACityOrVariantNameIsEscapedInResultsMd() throws Exception {
        TaskFiles f = new TaskFiles(tmp.resolve("vaduz"), "vaduz", "held-out");
        ObjectNode q = f.row("nearest_poi", List.of("text"), null, null, "Which place?");
        TaskFiles.textCandidate(q, "a", "A");
        TaskFiles.textCandidate(q, "b", "B");
        q.put("answer", 0);
        BenchConfig cfg = BenchConfig.builder(List.of(f.write())).bootstrap(100).mapQueries(0).build();
        BenchResults run = UgBench.run(cfg, List.of(BenchVariant.of("stage 1 | lr 1e-4", SAME)));
        BenchResults.CityInfo c = run.cities().getFirst();
        BenchResults r = new BenchResults(run.settings(), List.of(new BenchResults.CityInfo(c.city(),
                "Vaduz | Schaan", c.split(), c.dir(), c.attribution(), c.questions(), c.available())), run.variants(),
                run.rows(), run.pooled(), run.examples(), run.notes());
        String md = MarkdownReport.render(r);
        assertTrue(md.contains("| variant · mode | Vaduz \\| Schaan (held-out) |\n| --- | --- |\n"
                + "| stage 1 \\| lr 1e-4 · text | 0.50 / 1.00 / 1.00 / 1.00 · 0.75 |\n"
                + "| *chance* | *0.50 / 1.00 / 1.00 / 1.00 · 0.75* |\n"), md);
        // every line of the table has two cells: three bars that are not escaped
        for (String line : md.lines().filter(l -> l.startsWith("| ")).toList()) {
            assertEquals(3, line.replace("\\|", "").chars().filter(ch -> ch == '|').count(), line);
        }
    }

    @Test
    void modesOfTheSameQuestionsShareOneChanceLine() throws Exception {
        TaskFiles f = new TaskFiles(tmp.resolve("monaco"), "monaco", "train");
        String img = f.file("images/a.png", "a");
        for (int i = 0; i < 2; i++) {
            ObjectNode r = f.row("nearest_poi", List.of("image", "text"), img, null, "Which place " + i + "?");
            for (int c = 0; c < 2 + 2 * i; c++) {
                TaskFiles.textCandidate(r, "p" + c, "P" + c);
            }
            r.put("answer", 0);
        }
        BenchConfig cfg = BenchConfig.builder(List.of(f.write())).bootstrap(100).mapQueries(0).build();
        BenchResults r = UgBench.run(cfg, List.of(BenchVariant.of("model", SAME)));
        String md = MarkdownReport.render(r);
        assertTrue(md.contains("| *chance* | *0.38 / 0.88 / 1.00 / 1.00 · 0.64* |\n\nQuestions: Monaco (train) 2."),
                md);
        String console = ConsoleTable.render(r);
        assertTrue(console.contains("  chance          0.38 / 0.88 / 1.00 / 1.00 · 0.64\n"), console);
    }
}

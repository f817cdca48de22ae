package org.urbangraph.ugbench.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.uge.embed.EmbedInput;

/** Task files read through the UGData reader and checked for what UGBench needs; errors name the file and line. */
class TaskValidationTest {
    @TempDir
    Path tmp;

    private TaskFiles monaco() {
        return new TaskFiles(tmp.resolve("monaco"), "monaco", "train");
    }

    private static IOException loadFails(Path dir) {
        return assertThrows(IOException.class, () -> CityBench.load(dir, 700, Set.of()));
    }

    @Test
    void aGoodRowBecomesInputsPerMode() throws Exception {
        TaskFiles f = monaco();
        String img = f.file("images/a.png", "a");
        String graph = f.file("graphs/a.json", "{}");
        String other = f.file("images/b.png", "b");
        ObjectNode r = f.row("text_to_image", List.of("text"), null, null, "a quiet street by the sea");
        TaskFiles.imageCandidate(r, "b", other);
        TaskFiles.imageCandidate(r, "a", img);
        r.put("answer", 1);
        ObjectNode g = f.row("geolocation", List.of("image", "image+graph"), img, graph, "Where was this taken?");
        TaskFiles.textCandidate(g, "x", "On Rue X");
        TaskFiles.textCandidate(g, "a", "On Rue A");
        g.put("answer", 1);
        CityBench c = CityBench.load(f.write(), 700, Set.of());
        assertEquals("monaco", c.city());
        assertEquals(List.of("geolocation", "text_to_image"), List.copyOf(c.tasks().keySet()), "catalogue order");
        BenchQuestion t = c.tasks().get("text_to_image").getFirst();
        assertEquals(EmbedInput.text("a quiet street by the sea"), t.queries().get(QueryMode.TEXT));
        assertEquals(EmbedInput.image(f.dir().resolve(img), TaskInputs.CANDIDATE_IMAGE_INSTRUCTION),
                t.candidates().get(t.answer()));
        BenchQuestion q = c.tasks().get("geolocation").getFirst();
        assertEquals(new EmbedInput(f.dir().resolve(img), null, null, "Where was this taken?"),
                q.queries().get(QueryMode.IMAGE));
        assertEquals(new EmbedInput(f.dir().resolve(img), f.dir().resolve(graph), null, "Where was this taken?"),
                q.queries().get(QueryMode.IMAGE_GRAPH));
        assertEquals(EmbedInput.text("On Rue A"), q.candidates().get(q.answer()));
    }

    @Test
    void aMissingQueryImageIsNamedWithFileAndLine() throws Exception {
        TaskFiles f = monaco();
        ObjectNode r = f.row("geolocation", List.of("image"), "images/gone.png", null, "Where?");
        TaskFiles.textCandidate(r, "a", "A");
        TaskFiles.textCandidate(r, "b", "B");
        r.put("answer", 0);
        IOException e = loadFails(f.write());
        assertTrue(e.getMessage().contains("geolocation.jsonl: line 1") && e.getMessage().contains("images/gone.png")
                && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aQueryImageThatIsAlsoATrainingImageIsRejected() throws Exception {
        TaskFiles f = monaco();
        String a = f.file("images/a.png", "a");
        String b = f.file("images/b.png", "b");
        String c = f.file("images/c.png", "c");
        f.trainingRow(c, "a street by the harbour");
        ObjectNode ok = f.row("image_to_image", List.of("image"), a, null, "Same place?");
        TaskFiles.imageCandidate(ok, "a", a);
        TaskFiles.imageCandidate(ok, "b", b);
        ok.put("answer", 0);
        assertEquals(1, CityBench.load(f.write(), 700, Set.of()).tasks().get("image_to_image").size());
        ObjectNode leak = f.row("image_to_image", List.of("image"), c, null, "Same place?");
        TaskFiles.imageCandidate(leak, "a", a);
        TaskFiles.imageCandidate(leak, "b", b);
        leak.put("answer", 0);
        IOException e = loadFails(f.write());
        assertTrue(e.getMessage().contains("image_to_image.jsonl: line 2") && e.getMessage().contains("images/c.png")
                && e.getMessage().contains("stage1.jsonl: line 1") && e.getMessage().contains("training image"),
                e.getMessage());
    }

    @Test
    void aCandidateImageThatIsAlsoATrainingImageIsRejected() throws Exception {
        // the query is the training caption of the truth: the question would ask for a trained pair back
        TaskFiles f = monaco();
        String a = f.file("images/a.png", "a");
        String b = f.file("images/b.png", "b");
        f.trainingRow(a, "a street by the harbour");
        ObjectNode ok = f.row("text_to_image", List.of("text"), null, null, "a quiet lane");
        TaskFiles.imageCandidate(ok, "b", b);
        TaskFiles.imageCandidate(ok, "c", f.file("images/c.png", "c"));
        ok.put("answer", 0);
        ObjectNode leak = f.row("text_to_image", List.of("text"), null, null, "a street by the harbour");
        TaskFiles.imageCandidate(leak, "b", b);
        TaskFiles.imageCandidate(leak, "a", a);
        leak.put("answer", 1);
        IOException e = loadFails(f.write());
        assertTrue(e.getMessage().contains("text_to_image.jsonl: line 2: candidates[1] (a)")
                && e.getMessage().contains("images/a.png") && e.getMessage().contains("stage1.jsonl: line 1")
                && e.getMessage().contains("training image"), e.getMessage());

        // a wrong candidate too: the truth never is a training image, so a trained one would give itself away
        TaskFiles g = new TaskFiles(tmp.resolve("g"), "g", "train");
        String x = g.file("images/x.png", "x");
        String y = g.file("images/y.png", "y");
        g.trainingRow(y, "a park");
        ObjectNode wrong = g.row("image_to_image", List.of("image"), g.file("images/x2.png", "x2"), null, "Same?");
        TaskFiles.imageCandidate(wrong, "x", x);
        TaskFiles.imageCandidate(wrong, "y", y);
        wrong.put("answer", 0);
        e = loadFails(g.write());
        assertTrue(e.getMessage().contains("image_to_image.jsonl: line 1: candidates[1] (y)")
                && e.getMessage().contains("images/y.png") && e.getMessage().contains("training image"),
                e.getMessage());
    }

    @Test
    void aTaskFileTheManifestListsMustExist() throws Exception {
        TaskFiles f = monaco();
        String a = f.file("images/a.png", "a");
        String b = f.file("images/b.png", "b");
        ObjectNode r = f.row("image_to_image", List.of("image"), a, null, "Same place?");
        TaskFiles.imageCandidate(r, "a", a);
        TaskFiles.imageCandidate(r, "b", b);
        r.put("answer", 0);
        java.nio.file.Files.delete(f.write().resolve("bench").resolve("image_to_image.jsonl"));
        IOException e = loadFails(f.dir());
        assertTrue(e.getMessage().contains("image_to_image") && e.getMessage().contains("bench"), e.getMessage());
    }

    @Test
    void aMissingCandidateImageIsNamed() throws Exception {
        TaskFiles f = monaco();
        String img = f.file("images/a.png", "a");
        ObjectNode ok = f.row("image_to_image", List.of("image"), img, null, "Same place?");
        TaskFiles.imageCandidate(ok, "a", img);
        TaskFiles.imageCandidate(ok, "b", img);
        ok.put("answer", 0);
        ObjectNode r = f.row("image_to_image", List.of("image"), img, null, "Same place?");
        TaskFiles.imageCandidate(r, "a", img);
        TaskFiles.imageCandidate(r, "c", "images/missing.png");
        r.put("answer", 0);
        IOException e = loadFails(f.write());
        assertTrue(e.getMessage().contains("image_to_image.jsonl: line 2: candidates[1]")
                && e.getMessage().contains("images/missing.png"), e.getMessage());
    }

    @Test
    void candidatesWithoutTextOrImageAndTooFewCandidatesAreRejected() throws Exception {
        TaskFiles f = monaco();
        ObjectNode r = f.row("nearest_poi", List.of("text"), null, null, "Which place?");
        TaskFiles.textCandidate(r, "a", "Cafe A");
        ((com.fasterxml.jackson.databind.node.ArrayNode) r.get("candidates")).addObject().put("id", "poi/n1")
                .put("node", 17);
        r.put("answer", 0);
        IOException e = loadFails(f.write());
        assertTrue(e.getMessage().contains("nearest_poi.jsonl: line 1: candidates[1] (poi/n1) has neither an image nor"
                + " a text"), e.getMessage());

        TaskFiles g = new TaskFiles(tmp.resolve("g"), "g", "train");
        ObjectNode one = g.row("nearest_poi", List.of("text"), null, null, "Which place?");
        TaskFiles.textCandidate(one, "a", "Cafe A");
        one.put("answer", 0);
        e = loadFails(g.write());
        assertTrue(e.getMessage().contains("at least two candidates"), e.getMessage());
    }

    @Test
    void aModeThatTheRowCannotServeIsAnError() throws Exception {
        TaskFiles f = monaco();
        String img = f.file("images/a.png", "a");
        ObjectNode r = f.row("nearest_poi", List.of("image", "image+graph"), img, null, "Which place?");
        TaskFiles.textCandidate(r, "a", "Cafe A");
        TaskFiles.textCandidate(r, "b", "Bank B");
        r.put("answer", 1);
        IOException e = loadFails(f.write());
        assertTrue(e.getMessage().contains("line 1: mode 'image+graph' needs a query graph"), e.getMessage());

        TaskFiles g = new TaskFiles(tmp.resolve("g"), "g", "train");
        ObjectNode u = g.row("nearest_poi", List.of("video"), null, null, "Which place?");
        TaskFiles.textCandidate(u, "a", "Cafe A");
        TaskFiles.textCandidate(u, "b", "Bank B");
        u.put("answer", 1);
        e = loadFails(g.write());
        assertTrue(e.getMessage().contains("unknown query mode 'video'"), e.getMessage());
    }

    @Test
    void rowsMustBelongToTheirCityAndLabelsToTheirAnswer() throws Exception {
        TaskFiles f = monaco();
        ObjectNode r = f.row("nearest_poi", List.of("text"), null, null, "Which place?");
        r.put("city", "andorra");
        TaskFiles.textCandidate(r, "a", "Cafe A");
        TaskFiles.textCandidate(r, "b", "Bank B");
        r.put("answer", 1);
        IOException e = loadFails(f.write());
        assertTrue(e.getMessage().contains("row of city 'andorra' in the dataset of 'monaco'"), e.getMessage());

        TaskFiles g = new TaskFiles(tmp.resolve("g"), "g", "train");
        String img = g.file("images/a.png", "a");
        ObjectNode p = g.row("perception_land_use", List.of("image"), img, null, "Which description fits?");
        TaskFiles.textCandidate(p, "residential", "housing");
        TaskFiles.textCandidate(p, "green", "a park");
        p.put("answer", 1).put("label", "residential").put("fold", "train").put("label_set", "land_use");
        e = loadFails(g.write());
        assertTrue(e.getMessage().contains("'label' is 'residential' but the answer is candidate 'green'"),
                e.getMessage());
    }

    /** A land-use row on its own image, labelled {@code label}, listing {@code classes} in this order. */
    private static void perception(TaskFiles f, int i, String fold, String label, String... classes)
            throws IOException {
        ObjectNode p = f.row("perception_land_use", List.of("image"), f.file("images/p" + i + ".png", "p" + i), null,
                "Which description fits?");
        for (String c : classes) {
            TaskFiles.textCandidate(p, c, "prototype of " + c);
        }
        p.put("answer", List.of(classes).indexOf(label)).put("label", label).put("fold", fold)
                .put("label_set", "land_use");
    }

    @Test
    void perceptionRowsNeedAKnownFoldAndOneLabelSet() throws Exception {
        TaskFiles f = monaco();
        perception(f, 0, "train", "residential", "residential", "green");
        perception(f, 1, "test", "green", "residential", "green");
        CityBench c = CityBench.load(f.write(), 700, Set.of());
        assertEquals(List.of("train", "test"), c.tasks().get("perception_land_use").stream()
                .map(q -> q.sample().fold()).toList());

        // "Train" is no fold: it would have been scored as a test row
        TaskFiles g = new TaskFiles(tmp.resolve("g"), "g", "train");
        perception(g, 0, "train", "residential", "residential", "green");
        perception(g, 1, "Train", "green", "residential", "green");
        IOException e = loadFails(g.write());
        assertTrue(e.getMessage().contains("perception_land_use.jsonl: line 2: 'fold' is 'Train'; expected train or"
                + " test"), e.getMessage());

        // a row with another label set, or the classes in another order, is refused when the task is read, before
        // anything is embedded
        for (List<String> other : List.of(List.of("residential", "green", "industrial"),
                List.of("green", "residential"))) {
            TaskFiles h = new TaskFiles(tmp.resolve("h" + other.size()), "h", "train");
            perception(h, 0, "train", "residential", "residential", "green");
            perception(h, 1, "test", "green", "residential", "green");
            perception(h, 2, "test", "green", other.toArray(String[]::new));
            e = loadFails(h.write());
            assertTrue(e.getMessage().contains("perception_land_use.jsonl: line 3: the classes " + other
                    + " differ from [residential, green] of ") && e.getMessage().contains("line 1"), e.getMessage());
        }
    }

    @Test
    void copiesOfTheTruthAreDroppedAndTheCapHolds() throws Exception {
        TaskFiles f = monaco();
        for (int i = 0; i < 5; i++) {
            ObjectNode r = f.row("nearest_poi", List.of("text"), null, null, "Which place? " + i);
            TaskFiles.textCandidate(r, "poi/1", "Bus stop (bus stop)");
            TaskFiles.textCandidate(r, "poi/2", "Cafe A (cafe)");
            TaskFiles.textCandidate(r, "poi/3", "Bus stop (bus stop)");
            r.put("answer", 2);
        }
        CityBench c = CityBench.load(f.write(), 3, Set.of());
        assertEquals(3, c.tasks().get("nearest_poi").size());
        assertEquals(5, c.available().get("nearest_poi"));
        BenchQuestion q = c.tasks().get("nearest_poi").getFirst();
        assertEquals(2, q.candidates().size());
        assertEquals(1, q.droppedDuplicates());
        assertEquals("poi/3", q.candidate(q.answer()).id());
        assertEquals("poi/2", q.candidate(1 - q.answer()).id());
    }

    @Test
    void aWrongCandidateListedTwiceIsKeptOnce() throws Exception {
        TaskFiles f = monaco();
        ObjectNode r = f.row("nearest_poi", List.of("text"), null, null, "Which place?");
        TaskFiles.textCandidate(r, "poi/1", "Mauren Post (platform)");
        TaskFiles.textCandidate(r, "poi/2", "Cafe A (cafe)");
        TaskFiles.textCandidate(r, "poi/3", "Mauren Post (platform)");
        TaskFiles.textCandidate(r, "poi/4", "Cafe A (cafe)");
        TaskFiles.textCandidate(r, "poi/5", "Mauren Post (platform)");
        TaskFiles.textCandidate(r, "poi/6", "Bank B (bank)");
        r.put("answer", 1);
        BenchQuestion q = CityBench.load(f.write(), 700, Set.of()).tasks().get("nearest_poi").getFirst();
        assertEquals(List.of(EmbedInput.text("Mauren Post (platform)"), EmbedInput.text("Cafe A (cafe)"),
                EmbedInput.text("Bank B (bank)")), q.candidates(), "the first copy of each wrong candidate");
        assertEquals(1, q.answer());
        assertEquals(List.of("poi/1", "poi/2", "poi/6"), List.of(q.candidate(0).id(), q.candidate(1).id(),
                q.candidate(2).id()));
        assertEquals(1, q.droppedDuplicates(), "poi/4 is a copy of the truth");
        assertEquals(2, q.droppedWrongDuplicates(), "poi/3 and poi/5 repeat poi/1");
    }

    @Test
    void twoDatasetsOfOneCityAreAnError() throws Exception {
        TaskFiles a = new TaskFiles(tmp.resolve("a"), "monaco", "train");
        TaskFiles b = new TaskFiles(tmp.resolve("b"), "monaco", "held-out");
        IOException e = assertThrows(IOException.class,
                () -> BenchData.load(List.of(a.write(), b.write()), 700, Set.of()));
        assertTrue(e.getMessage().contains("both datasets of city 'monaco'"), e.getMessage());
    }
}

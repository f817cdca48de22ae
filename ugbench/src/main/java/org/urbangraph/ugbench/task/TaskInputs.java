package org.urbangraph.ugbench.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.ugdata.dataset.BenchSample;
import org.urbangraph.uge.embed.EmbedInput;

/**
 * How a task row becomes embedder inputs. A query is embedded as its mode says: {@code image} is the query image with
 * the row's question as instruction, {@code image+graph} adds the image's subgraph, {@code text} is the query text
 * alone. A candidate is its image (with {@link #CANDIDATE_IMAGE_INSTRUCTION}; images are compared as images, so their
 * subgraphs are not used) or else its text, the way UGE embeds positives. Candidates whose input equals the truth's are
 * dropped, and of wrong candidates with one input only the first is kept.
 */
public final class TaskInputs {
    private TaskInputs() {}

    /** The instruction every candidate image is embedded with: the first of the stage-1 instructions. */
    public static final String CANDIDATE_IMAGE_INSTRUCTION = "Describe the spatial context of this street view.";

    /** Turns a validated row into a question; errors name the row (file and line). */
    public static BenchQuestion question(BenchSample s) {
        if (s.modes().isEmpty()) {
            throw new IllegalArgumentException(s.source() + ": 'modes' is empty; expected some of image, image+graph, text");
        }
        Map<QueryMode, EmbedInput> queries = new EnumMap<>(QueryMode.class);
        for (String label : s.modes()) {
            QueryMode mode;
            try {
                mode = QueryMode.fromLabel(label);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(s.source() + ": " + e.getMessage(), e);
            }
            queries.put(mode, query(s, mode));
        }
        List<EmbedInput> all = new ArrayList<>();
        for (int i = 0; i < s.candidates().size(); i++) {
            all.add(candidate(s, i));
        }
        EmbedInput truth = all.get(s.answer());
        List<EmbedInput> kept = new ArrayList<>();
        Set<EmbedInput> wrong = new HashSet<>();
        int[] index = new int[all.size()];
        int answer = -1;
        int dropped = 0;
        int droppedWrong = 0;
        for (int i = 0; i < all.size(); i++) {
            if (i != s.answer() && all.get(i).equals(truth)) {
                dropped++;
                continue;
            }
            // a wrong answer listed twice would cost the truth two ranks for one mistake
            if (i != s.answer() && !wrong.add(all.get(i))) {
                droppedWrong++;
                continue;
            }
            if (i == s.answer()) {
                answer = kept.size();
            }
            index[kept.size()] = i;
            kept.add(all.get(i));
        }
        if (kept.size() < 2) {
            throw new IllegalArgumentException(s.source() + ": every candidate is a copy of the truth; nothing to rank");
        }
        return new BenchQuestion(s, Map.copyOf(queries), List.copyOf(kept), Arrays.copyOf(index, kept.size()),
                answer, dropped, droppedWrong);
    }

    static EmbedInput query(BenchSample s, QueryMode mode) {
        BenchSample.Query q = s.query();
        String text = q.text() == null || q.text().isBlank() ? null : q.text();
        return switch (mode) {
            case IMAGE -> {
                require(q.image() != null, s, "mode 'image' needs a query image");
                yield new EmbedInput(q.image(), null, null, text);
            }
            case IMAGE_GRAPH -> {
                require(q.image() != null, s, "mode 'image+graph' needs a query image");
                require(q.graph() != null, s, "mode 'image+graph' needs a query graph");
                yield new EmbedInput(q.image(), q.graph(), null, text);
            }
            case TEXT -> {
                require(text != null, s, "mode 'text' needs a query text");
                yield EmbedInput.text(text);
            }
        };
    }

    static EmbedInput candidate(BenchSample s, int i) {
        BenchSample.Candidate c = s.candidates().get(i);
        if (c.image() != null) {
            return EmbedInput.image(c.image(), CANDIDATE_IMAGE_INSTRUCTION);
        }
        if (c.text() != null && !c.text().isBlank()) {
            return EmbedInput.text(c.text());
        }
        throw new IllegalArgumentException(s.source() + ": candidates[" + i + "] (" + c.id() + ") has neither an image"
                + " nor a text; UGBench embeds candidates by image or text");
    }

    private static void require(boolean ok, BenchSample s, String what) {
        if (!ok) {
            throw new IllegalArgumentException(s.source() + ": " + what);
        }
    }
}

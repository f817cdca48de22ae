package org.urbangraph.ugdata;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Problems found in the input that the build skipped (and shortfalls of the output it had to accept, such as
 * benchmark questions with fewer candidates than asked for): each names the file and the row, block or element,
 * is counted by kind for the dataset manifest, and is printed once. Skipping is the rule; a build fails only when
 * nothing usable is left, and that decision belongs to the caller.
 *
 * <p>Thread-safe: readers and render workers may report at the same time.
 */
public final class BuildIssues {

    /** What went wrong; the names appear in the manifest. */
    public enum Kind {
        OSM_CORRUPT_BLOCK,
        OSM_XML_ERROR,
        OSM_BAD_VALUE,
        OSM_MISSING_NODE_REF,
        OSM_BAD_GEOMETRY,
        PHOTO_UNREADABLE,
        PHOTO_NO_GPS,
        PHOTO_OUTSIDE_CITY,
        /** A photo with the bytes of another (a copy under another name); the one first by id is kept. */
        PHOTO_DUPLICATE,
        MANIFEST_BAD_ROW,
        /** Not bad input: benchmark questions of a task that got fewer candidates than asked for. */
        BENCH_FEW_CANDIDATES
    }

    /** One reported problem. {@code where} is the file, with a row, block or line where known. */
    public record Issue(Kind kind, String where, String message) {
        @Override
        public String toString() {
            return where + ": " + message;
        }
    }

    /** Issues of these kinds can be very many (clipped extracts); they are counted, and only the first few kept. */
    private static final int KEEP_PER_KIND = 20;

    private final Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    private final List<Issue> kept = new ArrayList<>();
    private final PrintStream log;

    /** @param log where each kept issue is printed as a warning (null: silent) */
    public BuildIssues(PrintStream log) {
        this.log = log;
    }

    public synchronized void report(Kind kind, String where, String message) {
        int n = counts.merge(kind, 1, Integer::sum);
        if (n <= KEEP_PER_KIND) {
            Issue issue = new Issue(kind, where, message);
            kept.add(issue);
            if (log != null && kind != Kind.OSM_MISSING_NODE_REF) {
                log.println("warning: " + issue);
            }
        }
    }

    /** Counts several issues of one kind at once without keeping a message for each (missing node references). */
    public synchronized void count(Kind kind, int n, String where, String message) {
        if (n <= 0) {
            return;
        }
        int before = counts.getOrDefault(kind, 0);
        counts.put(kind, before + n);
        if (before < KEEP_PER_KIND) {
            kept.add(new Issue(kind, where, message));
        }
    }

    public synchronized int count(Kind kind) {
        return counts.getOrDefault(kind, 0);
    }

    public synchronized int total() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Counts by kind, in declaration order (zero counts left out). */
    public synchronized Map<Kind, Integer> counts() {
        return new EnumMap<>(counts);
    }

    /** The first issues of each kind, in the order reported. */
    public synchronized List<Issue> examples() {
        return List.copyOf(kept);
    }
}

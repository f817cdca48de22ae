package org.urbangraph.vlm.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;

/**
 * The code points assigned in Unicode 9.0 or earlier ({@code unicode-9.0-assigned.txt}, from the Unicode Character
 * Database's {@code DerivedAge.txt}). Hugging Face {@code tokenizers} normalises with Unicode 9.0 tables, so to it a
 * code point assigned later has combining class 0 and no decomposition or composition; the JDK's tables are newer.
 */
final class Unicode9 {
    private Unicode9() {}

    private static final String RESOURCE = "unicode-9.0-assigned.txt";
    private static final BitSet ASSIGNED = load();
    /** Every code point below this one was assigned by Unicode 9.0 (a fast path for most text). */
    private static final int FIRST_UNASSIGNED = ASSIGNED.nextClearBit(0);

    /** Whether Unicode 9.0 had assigned {@code cp}. */
    static boolean assigned(int cp) {
        return cp < FIRST_UNASSIGNED || ASSIGNED.get(cp);
    }

    /** The index of the first code point at or after {@code from} in {@code text} that 9.0 had not assigned, or -1. */
    static int firstNewer(CharSequence text, int from) {
        int n = text.length();
        for (int i = from; i < n; ) {
            char c = text.charAt(i);
            if (c < FIRST_UNASSIGNED) {
                i++;
                continue;
            }
            int cp = Character.codePointAt(text, i);
            if (!ASSIGNED.get(cp)) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }

    private static BitSet load() {
        BitSet set = new BitSet(Character.MAX_CODE_POINT + 1);
        try (InputStream in = Unicode9.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE + " next to " + Unicode9.class.getName());
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            int lineNo = 0;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNo++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int dots = line.indexOf("..");
                if (dots < 0) {
                    throw new IllegalStateException(RESOURCE + ":" + lineNo + ": expected START..END, got " + line);
                }
                int start = Integer.parseInt(line.substring(0, dots).strip(), 16);
                int end = Integer.parseInt(line.substring(dots + 2).strip(), 16);
                set.set(start, end + 1);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return set;
    }
}

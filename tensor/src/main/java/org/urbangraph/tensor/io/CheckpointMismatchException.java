package org.urbangraph.tensor.io;

import java.nio.file.Path;
import java.util.List;

/**
 * A checkpoint that reads as safetensors but does not hold what the model loading it needs: tensors that are
 * missing, unexpected, of another shape, or of a dtype that is not a float type. This is bad input, not a defect:
 * the message is one line that names the file, each tensor as it is stored there, and what was expected.
 */
public final class CheckpointMismatchException extends RuntimeException {

    /** How many names a message lists per kind of problem before it says "and N more". */
    public static final int LISTED = 3;

    private final transient Path file;

    public CheckpointMismatchException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** The checkpoint: a safetensors file, or the index of a sharded set. */
    public Path file() {
        return file;
    }

    /** The first {@link #LISTED} items, comma-separated, then "and N more" for the rest. */
    public static String firstFew(List<String> items) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(LISTED, items.size()); i++) {
            b.append(i == 0 ? "" : ", ").append(items.get(i));
        }
        if (items.size() > LISTED) {
            b.append(" and ").append(items.size() - LISTED).append(" more");
        }
        return b.toString();
    }
}

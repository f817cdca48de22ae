package org.urbangraph.uge.train;

import java.nio.file.Path;
import java.util.List;

/** A loss (or gradient norm) that is not a finite number: the run stops and says where to resume from. */
public final class TrainingDivergedException extends RuntimeException {
    private final int step;
    private final List<String> batch;
    private final Path lastGoodCheckpoint;

    public TrainingDivergedException(String what, double value, int step, List<String> batch, Path lastGoodCheckpoint) {
        super(what + " is " + value + " at step " + step + "; batch " + batch + "; last good checkpoint: "
                + (lastGoodCheckpoint == null ? "none (the run wrote none yet)" : lastGoodCheckpoint));
        this.step = step;
        this.batch = List.copyOf(batch);
        this.lastGoodCheckpoint = lastGoodCheckpoint;
    }

    public int step() {
        return step;
    }

    public List<String> batch() {
        return batch;
    }

    public Path lastGoodCheckpoint() {
        return lastGoodCheckpoint;
    }
}

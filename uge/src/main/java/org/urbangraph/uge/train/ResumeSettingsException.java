package org.urbangraph.uge.train;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * A resume asked with settings other than the ones its checkpoint was trained with: continuing would mix two runs
 * (another batch size, learning-rate schedule or data order from the resumed step on), so the trainer refuses it.
 */
public final class ResumeSettingsException extends IllegalStateException {

    /** One setting that differs: its name in {@code trainer_state.json}, the checkpoint's value and the new one. */
    public record Change(String setting, String checkpoint, String now) {}

    private final Path checkpoint;
    private final List<Change> changes;

    ResumeSettingsException(Path checkpoint, List<Change> changes) {
        super(message(checkpoint, changes, c -> c, "another directory"));
        this.checkpoint = checkpoint;
        this.changes = List.copyOf(changes);
    }

    public Path checkpoint() {
        return checkpoint;
    }

    public List<Change> changes() {
        return changes;
    }

    /**
     * One line naming each differing setting (as {@code label} calls it) with the checkpoint's and the new value,
     * ending with what to do instead; {@code elsewhere} names where a new run goes.
     */
    public static String message(Path checkpoint, List<Change> changes, Function<String, String> label,
                                 String elsewhere) {
        StringBuilder b = new StringBuilder();
        b.append(checkpoint.getFileName()).append(" was trained with other settings: ");
        for (int i = 0; i < changes.size(); i++) {
            Change c = changes.get(i);
            b.append(i == 0 ? "" : ", ").append(label.apply(c.setting())).append(' ').append(c.checkpoint())
                    .append(" (now ").append(c.now()).append(')');
        }
        return b.append("; resume with the original settings, or start a new run in ").append(elsewhere).toString();
    }
}

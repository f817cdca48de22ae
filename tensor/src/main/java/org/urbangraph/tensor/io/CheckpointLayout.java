package org.urbangraph.tensor.io;

/**
 * A module whose parameters checkpoints may also store under an older naming layout of the same model (for example
 * the hub's {@code visual.*} before transformers 4.52 moved it to {@code model.visual.*}). Loaders that read files
 * keyed by parameter or module paths, such as LoRA adapters, use it to accept both layouts with the model's own
 * mapping.
 */
public interface CheckpointLayout {

    /** This module's name for a parameter stored as {@code stored}; names already in the module's layout pass. */
    String moduleName(String stored);

    /** The inverse of {@link #moduleName}: how a checkpoint in the older layout stores parameter {@code name}. */
    String storedName(String name);
}

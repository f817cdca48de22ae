package org.urbangraph.tensor.io;

import java.nio.file.Path;

/**
 * A safetensors file (or sharded set) that cannot be read as one: truncated, malformed header, unknown dtype,
 * bad offsets, missing shard or tensor. The message names the file and what is wrong.
 */
public final class SafetensorsException extends RuntimeException {
    private final transient Path file;

    public SafetensorsException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public SafetensorsException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}

package org.urbangraph.vlm.config;

import java.nio.file.Path;

/** A model config that cannot be used: the message names the file, the key and what was expected. */
public final class ConfigException extends RuntimeException {
    public ConfigException(Path file, String key, String problem) {
        super(file + (key.isEmpty() ? "" : ": key '" + key + "'") + ": " + problem);
    }
}

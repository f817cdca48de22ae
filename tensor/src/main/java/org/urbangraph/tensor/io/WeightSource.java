package org.urbangraph.tensor.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.urbangraph.tensor.Tensor;

/**
 * Named tensors read from a checkpoint: one safetensors file or a sharded set. Tensors are zero-copy views of the
 * memory-mapped files (on the host backend), in their stored dtype.
 */
public interface WeightSource {

    /** Tensor names in file order. */
    List<String> names();

    boolean contains(String name);

    /** dtype, shape and location of a tensor, or an error naming the source when it is absent. */
    TensorInfo info(String name);

    /** The tensor, as stored (no conversion, no copy on host backends). */
    Tensor tensor(String name);

    /** The {@code __metadata__} map (empty if the file has none; the first shard's for a sharded set). */
    Map<String, String> metadata();

    /** Where the weights come from, for error messages. */
    Path path();

    /**
     * The name a tensor has in the file, for error messages: the name itself unless this source renames. For a
     * name the source lacks, the name the file would give it.
     */
    default String storedName(String name) {
        return name;
    }

    /** The file that holds a tensor (its shard, for a sharded set), or {@link #path()} for a name it lacks. */
    default Path fileOf(String name) {
        return path();
    }

    /**
     * Opens a checkpoint: a {@code .safetensors} file, a {@code model.safetensors.index.json}, or a model
     * directory holding either (an index wins over a single file).
     */
    static WeightSource open(Path path) {
        if (Files.isDirectory(path)) {
            Path index = path.resolve("model.safetensors.index.json");
            if (Files.isRegularFile(index)) {
                return ShardedSafetensors.open(index);
            }
            Path single = path.resolve("model.safetensors");
            if (Files.isRegularFile(single)) {
                return SafetensorsFile.open(single);
            }
            throw new SafetensorsException(path, "no model.safetensors or model.safetensors.index.json in this directory");
        }
        if (path.getFileName().toString().endsWith(".index.json")) {
            return ShardedSafetensors.open(path);
        }
        return SafetensorsFile.open(path);
    }
}

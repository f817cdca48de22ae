package org.urbangraph.tensor.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.urbangraph.tensor.Tensor;

/**
 * A checkpoint split over several safetensors files, described by {@code model.safetensors.index.json}
 * (its {@code weight_map} names the shard of every tensor). Every shard is opened and validated up front, so a
 * missing or broken shard is reported when the model is opened, not halfway through loading.
 */
public final class ShardedSafetensors implements WeightSource {

    private final Path index;
    private final Map<String, SafetensorsFile> byTensor;

    private ShardedSafetensors(Path index, Map<String, SafetensorsFile> byTensor) {
        this.index = index;
        this.byTensor = byTensor;
    }

    public static ShardedSafetensors open(Path given) {
        // Normalised once, for reading the index and resolving the shards alike, so that a model opened as "./model"
        // or "a/../model" still contains its shards, and "link/../model" names one directory for both. Not
        // toRealPath: Hugging Face cache snapshots are symlinks into a blob directory.
        Path index = given.toAbsolutePath().normalize();
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(Files.readString(index));
        } catch (IOException e) {
            throw new SafetensorsException(index, "cannot read the shard index: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new SafetensorsException(index, "shard index has no \"weight_map\" object");
        }
        Path dir = index.getParent();
        Map<Path, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<SafetensorsFile, String> shardNames = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(index, "weight_map entry '" + e.getKey() + "' is not a file name");
            }
            String file = e.getValue().asText();
            Path shardPath = dir.resolve(file).normalize();
            if (!shardPath.startsWith(dir)) {
                throw new SafetensorsException(index, "shard '" + file + "' lies outside the model directory");
            }
            SafetensorsFile shard = shards.get(shardPath);
            if (shard == null) {
                if (!Files.isRegularFile(shardPath)) {
                    throw new SafetensorsException(index, "missing shard " + file + " (named for tensor '"
                            + e.getKey() + "')");
                }
                shard = SafetensorsFile.open(shardPath);
                shards.put(shardPath, shard);
                shardNames.put(shard, file);
            }
            if (!shard.contains(e.getKey())) {
                throw new SafetensorsException(shardPath, "tensor '" + e.getKey()
                        + "' is listed for this shard in " + index.getFileName() + " but is not in it");
            }
            byTensor.put(e.getKey(), shard);
        }
        // The other direction: a tensor the index does not list would be invisible, and one stored in two shards
        // would load silently from whichever the index names.
        for (SafetensorsFile shard : shards.values()) {
            for (String name : shard.names()) {
                SafetensorsFile listed = byTensor.get(name);
                if (listed == null) {
                    throw new SafetensorsException(index, "tensor '" + name + "' is in shard " + shardNames.get(shard)
                            + " but not in the weight_map");
                }
                if (listed != shard) {
                    throw new SafetensorsException(index, "tensor '" + name + "' is stored in shard "
                            + shardNames.get(shard) + " and in shard " + shardNames.get(listed)
                            + " (the weight_map names " + shardNames.get(listed) + "); expected exactly one shard");
                }
            }
        }
        return new ShardedSafetensors(index, byTensor);
    }

    private SafetensorsFile shardOf(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new SafetensorsException(index, "no tensor named '" + name + "' in the weight map");
        }
        return f;
    }

    @Override
    public List<String> names() {
        return new ArrayList<>(byTensor.keySet());
    }

    @Override
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return shardOf(name).info(name);
    }

    @Override
    public Tensor tensor(String name) {
        return shardOf(name).tensor(name);
    }

    @Override
    public Map<String, String> metadata() {
        return byTensor.isEmpty() ? Map.of() : byTensor.values().iterator().next().metadata();
    }

    @Override
    public Path path() {
        return index;
    }

    @Override
    public Path fileOf(String name) {
        SafetensorsFile f = byTensor.get(name);
        return f == null ? index : f.path();
    }
}

package org.urbangraph.uge.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.AtomicFile;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.tensor.optim.Optimizer;
import org.urbangraph.uge.model.UgeModel;

/**
 * Resumable training checkpoints under {@code <out>/checkpoints/step-NNNNNN/}: {@code model/} (a UGE model
 * directory), {@code trainer/} (optimizer state and {@code trainer_state.json}). A checkpoint is built in a temporary
 * directory, flushed to the disk and renamed into place, so a run killed while writing (or a machine that stops)
 * leaves the previous checkpoint intact;
 * {@code checkpoints/latest} names the newest complete one.
 */
final class Checkpoints {
    private Checkpoints() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path write(Path out, UgeModel model, Optimizer opt, TrainerState state, List<Rng> streams,
                      Map<String, Object> settings, int keep) throws IOException {
        Path root = out.resolve("checkpoints");
        Files.createDirectories(root);
        String name = String.format("step-%06d", state.step);
        Path tmp = root.resolve(name + ".tmp-" + ProcessHandle.current().pid());
        deleteTree(tmp);
        model.save(tmp.resolve("model"));
        opt.save(tmp.resolve("trainer"));
        ObjectNode s = JSON.createObjectNode();
        s.put("step", state.step);
        s.put("epoch", state.epoch);
        s.put("cursor", state.cursor);
        s.put("last_loss", state.lastLoss);
        s.put("last_grad_norm", state.lastGradNorm);
        ArrayNode rng = s.putArray("random_streams");
        for (Rng r : streams) {
            rng.addObject().put("seed", r.seed()).put("counter", r.counter());
        }
        s.set("settings", JSON.valueToTree(settings));
        Files.writeString(tmp.resolve("trainer").resolve("trainer_state.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s));
        // every file reaches the disk before the directory is renamed into place, and the rename before "latest"
        // names it: after a crash of the machine (not only of the process) a checkpoint that looks complete is
        sync(tmp);
        Path dest = root.resolve(name);
        deleteTree(dest);
        move(tmp, dest);
        syncOne(root);
        AtomicFile.writeString(root.resolve("latest"), name + "\n", true);
        syncOne(root);
        prune(root, keep, name);
        return dest;
    }

    /** Flushes every file under dir, and the directories themselves, to the disk. */
    private static void sync(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.toList();
        }
        // files first, then directories from the deepest up, so that each directory entry names flushed data
        for (Path p : all) {
            if (Files.isRegularFile(p)) {
                syncOne(p);
            }
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            if (Files.isDirectory(all.get(i))) {
                syncOne(all.get(i));
            }
        }
    }

    private static void syncOne(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!Files.isDirectory(p)) {
                throw e; // some file systems cannot open a directory for syncing; its entries are then the OS's job
            }
        }
    }

    /** The newest complete checkpoint, or null. */
    static Path latest(Path out) throws IOException {
        Path root = out.resolve("checkpoints");
        if (!Files.isDirectory(root)) {
            return null;
        }
        Path named = null;
        if (Files.isRegularFile(root.resolve("latest"))) {
            named = root.resolve(Files.readString(root.resolve("latest")).trim());
        }
        if (named != null && complete(named)) {
            return named;
        }
        return completeIn(root).stream().max(Comparator.naturalOrder()).orElse(null);
    }

    private static boolean complete(Path dir) {
        return Files.isRegularFile(dir.resolve("trainer").resolve("trainer_state.json"))
                && Files.isRegularFile(dir.resolve("model").resolve("uge.json"));
    }

    private static List<Path> completeIn(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{6}") && complete(p)).toList();
        }
    }

    /**
     * The settings a checkpoint's run was started with ({@code settings} in {@code trainer_state.json}), or null for a
     * checkpoint written before they were recorded.
     */
    static JsonNode settings(Path ckpt) throws IOException {
        JsonNode s = JSON.readTree(ckpt.resolve("trainer").resolve("trainer_state.json").toFile()).get("settings");
        return s != null && s.isObject() ? s : null;
    }

    /** Puts a checkpoint's weights, optimizer state, data position and random streams into a freshly built trainer. */
    static void restore(Path ckpt, UgeModel model, Optimizer opt, TrainerState state, List<Rng> streams)
            throws IOException {
        Path m = ckpt.resolve("model");
        for (Map.Entry<String, Map<String, Parameter>> g : model.parameterGroups().entrySet()) {
            for (Map.Entry<String, Parameter> e : g.getValue().entrySet()) {
                e.getValue().set(stored(m, e.getKey()));
            }
        }
        opt.load(ckpt.resolve("trainer"));
        JsonNode s = JSON.readTree(ckpt.resolve("trainer").resolve("trainer_state.json").toFile());
        state.step = s.path("step").asInt();
        state.epoch = s.path("epoch").asInt();
        state.cursor = s.path("cursor").asInt();
        state.lastLoss = s.path("last_loss").asDouble(Double.NaN);
        state.lastGradNorm = s.path("last_grad_norm").asDouble(Double.NaN);
        JsonNode rng = s.path("random_streams");
        if (rng.size() != streams.size()) {
            throw new IOException(ckpt + ": the checkpoint has " + rng.size() + " random streams, the model "
                    + streams.size());
        }
        for (int i = 0; i < streams.size(); i++) {
            if (rng.get(i).path("seed").asLong() != streams.get(i).seed()) {
                throw new IOException(ckpt + ": random stream " + i + " was seeded " + rng.get(i).path("seed").asLong()
                        + " but this run seeds it " + streams.get(i).seed() + "; resume with the original settings");
            }
            streams.get(i).setCounter(rng.get(i).path("counter").asLong());
        }
        state.order = null;
    }

    /** A trainable tensor's stored value, by the name the model's parameter groups give it. */
    private static Tensor stored(Path model, String key) throws IOException {
        if (key.startsWith("graph_encoder.")) {
            return SafetensorsFile.open(model.resolve("graph_encoder.safetensors"))
                    .tensor(key.substring("graph_encoder.".length())).copy();
        }
        if (key.equals("new_token_rows.weight")) {
            return SafetensorsFile.open(model.resolve("new_token_rows.safetensors")).tensor("weight").copy();
        }
        if (key.startsWith("base.")) {
            String name = key.substring("base.".length()).replace(".base_layer.", ".");
            return SafetensorsFile.open(model.resolve("backbone").resolve("model.safetensors")).tensor(name).copy();
        }
        return SafetensorsFile.open(model.resolve("adapter").resolve("adapter_model.safetensors")).tensor(key).copy();
    }

    private static void prune(Path root, int keep, String newest) throws IOException {
        List<Path> all = new ArrayList<>(completeIn(root));
        all.sort(Comparator.reverseOrder());
        for (int i = Math.max(1, keep); i < all.size(); i++) {
            if (!all.get(i).getFileName().toString().equals(newest)) {
                deleteTree(all.get(i));
            }
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(p -> p.getFileName().toString().contains(".tmp-")).toList()) {
                deleteTree(p);
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}

package org.urbangraph.uge.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.tensor.optim.AdamW;
import org.urbangraph.tensor.optim.DecayRule;
import org.urbangraph.tensor.optim.GradClip;
import org.urbangraph.tensor.optim.LrSchedule;
import org.urbangraph.tensor.optim.ParamGroup;
import org.urbangraph.uge.model.TrainingData;
import org.urbangraph.uge.model.UgeCheckpoint;
import org.urbangraph.uge.model.UgeInput;
import org.urbangraph.uge.model.UgeModel;

/**
 * One UGE training stage: instruction-guided contrastive learning on (query, positive[, hard negative]) examples
 * with InfoNCE over in-batch negatives, AdamW in two parameter groups (each split in two, so that biases and norm
 * weights take no weight decay, as in the Hugging Face Trainer), linear warm-up then cosine decay, gradient
 * clipping, optional accumulation and gradient caching, seeded shuffling, resumable checkpoints, a JSONL log with a
 * console progress bar, and a PNG loss curve at the end.
 *
 * <p>A run killed and resumed from its last checkpoint ends with the same bits as one that never stopped: the
 * checkpoint holds the weights, the optimizer state, the data position and the position of every random stream.
 */
public final class UgeTrainer {

    /** Suffix of the optimizer group that holds a group's biases and norm weights (no weight decay). */
    static final String NO_DECAY = ".no_decay";

    private final UgeModel model;
    private final List<TrainingExample> data;
    private final TrainConfig cfg;
    private final AdamW optimizer;
    private final Map<String, Parameter> allParams = new LinkedHashMap<>();
    private final List<Rng> streams;
    private final TrainerState state;
    private final int totalSteps;
    private final LrSchedule schedule;
    private final TrainLog log;
    private Path lastCheckpoint;
    private boolean resumeAsked;
    private boolean settingsUnchecked;

    /**
     * A trainer that records nothing of where its examples come from: the model keeps only the records it already has
     * (a stage-2 model its stage-1 model's), so UGBench cannot check this stage's data. {@code ug train} and the
     * quickstart use {@link #UgeTrainer(UgeModel, List, TrainConfig, TrainingData)}.
     *
     * @param model the model to train (its trainable parameters are the ones that train)
     * @param data  the examples, in dataset order (the trainer shuffles them per epoch, seeded)
     */
    public UgeTrainer(UgeModel model, List<TrainingExample> data, TrainConfig cfg) throws IOException {
        this(model, data, cfg, TrainingData.NONE);
    }

    /**
     * @param model the model to train (its trainable parameters are the ones that train)
     * @param data  the examples, in dataset order (the trainer shuffles them per epoch, seeded)
     * @param trainedOn where the examples come from ({@link TrainingData#of} per dataset, for this stage), added to
     *     the model's records, so that the model directory and every checkpoint record it with the earlier stages'
     */
    public UgeTrainer(UgeModel model, List<TrainingExample> data, TrainConfig cfg, TrainingData trainedOn)
            throws IOException {
        for (TrainingData.Dataset d : trainedOn.datasets()) {
            if (d.stage() != cfg.stage()) {
                throw new IllegalArgumentException("the training data of " + d.dataset() + " is recorded for stage "
                        + d.stage() + ", but this run trains stage " + cfg.stage());
            }
        }
        if (data.size() < cfg.batchSize()) {
            throw new IllegalArgumentException("a batch of " + cfg.batchSize() + " needs at least as many examples; the "
                    + "data has " + data.size());
        }
        this.model = model;
        model.addTrainingData(trainedOn);
        this.data = List.copyOf(data);
        this.cfg = cfg;
        List<ParamGroup> groups = new ArrayList<>();
        Set<Parameter> exempt = DecayRule.exempt(model.backbone().module(), model.graphEncoder());
        for (Map.Entry<String, Map<String, Parameter>> g : model.parameterGroups().entrySet()) {
            // UGE stage 2: the graph encoder at the base rate, LoRA and the rest at otherLrFactor of it
            double lr = cfg.stage() == 2 && !g.getKey().equals("graph_encoder") ? cfg.lr() * cfg.otherLrFactor() : cfg.lr();
            // each group in two, as the authors' Trainer does: biases and norm weights take no weight decay
            Map<String, Parameter> decay = new LinkedHashMap<>();
            Map<String, Parameter> noDecay = new LinkedHashMap<>();
            g.getValue().forEach((k, p) -> {
                if (p.trainable()) {
                    (exempt.contains(p) ? noDecay : decay).put(k, p);
                }
            });
            if (!decay.isEmpty()) {
                groups.add(new ParamGroup(g.getKey(), decay, lr, cfg.weightDecay()));
            }
            if (!noDecay.isEmpty()) {
                groups.add(new ParamGroup(g.getKey() + NO_DECAY, noDecay, lr, 0.0));
            }
            allParams.putAll(decay);
            allParams.putAll(noDecay);
        }
        this.optimizer = new AdamW(groups);
        this.streams = new ArrayList<>();
        if (model.lora() != null) {
            streams.add(model.lora().rng());
        }
        if (model.graphEncoder() != null) {
            streams.add(model.graphEncoder().rng());
        }
        int perEpoch = data.size() / cfg.batchSize();
        this.totalSteps = cfg.steps() > 0 ? cfg.steps() : cfg.epochs() * perEpoch;
        this.schedule = LrSchedule.cosineWithWarmup(LrSchedule.warmupSteps(cfg.warmupRatio(), totalSteps), totalSteps);
        this.state = new TrainerState();
        Files.createDirectories(cfg.out());
        this.log = new TrainLog(cfg.out().resolve("train_log.jsonl"));
    }

    public int totalSteps() {
        return totalSteps;
    }

    public TrainerState state() {
        return state;
    }

    public Map<String, Parameter> parameters() {
        return allParams;
    }

    /**
     * What in {@code out} shows an earlier training run there (its newest checkpoint, or a non-empty
     * {@code train_log.jsonl}), or null when there is none.
     */
    public static String existingRun(Path out) throws IOException {
        Path ckpt = Checkpoints.latest(out);
        if (ckpt != null) {
            return out.relativize(ckpt).toString();
        }
        Path log = out.resolve("train_log.jsonl");
        return Files.isRegularFile(log) && Files.size(log) > 0 ? log.getFileName().toString() : null;
    }

    /** The optimizer's parameter groups (learning rate, weight decay). */
    public List<ParamGroup> groups() {
        return optimizer.groups();
    }

    /**
     * The settings that define this run, as its checkpoints record them (under {@code settings} in
     * {@code trainer_state.json}): a resume with any of them changed would continue another run than the one stopped.
     */
    public Map<String, Object> runSettings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("stage", cfg.stage());
        s.put("batch_size", cfg.batchSize());
        s.put("accumulation", cfg.accumulation());
        s.put("grad_cache_chunk", cfg.gradCacheChunk());
        s.put("total_steps", totalSteps);
        s.put("lr", cfg.lr());
        s.put("other_lr_factor", cfg.otherLrFactor());
        s.put("weight_decay", cfg.weightDecay());
        s.put("warmup_ratio", cfg.warmupRatio());
        s.put("max_grad_norm", cfg.maxGradNorm());
        s.put("tau", cfg.tau());
        s.put("hard_negatives", cfg.hardNegatives());
        s.put("seed", cfg.seed());
        s.put("examples", data.size());
        s.put("max_graph_nodes", model.graphs().maxNodes());
        return s;
    }

    /**
     * Whether the last {@link #resume()} continued from a checkpoint written before checkpoints recorded their run's
     * settings, so that they could not be compared with this run's.
     */
    public boolean settingsUnchecked() {
        return settingsUnchecked;
    }

    /**
     * Continues from the latest complete checkpoint under {@code out/checkpoints}, if there is one: weights,
     * optimizer, data position and random streams. Returns whether a checkpoint was found.
     *
     * @throws ResumeSettingsException when the checkpoint was trained with other {@link #runSettings()} (nothing in
     *                                 {@code out} changes then)
     */
    public boolean resume() throws IOException {
        resumeAsked = true;
        Path ckpt = Checkpoints.latest(cfg.out());
        if (ckpt == null) {
            log.truncateAfter(0); // the steps of a run that died before its first checkpoint are done again
            return false;
        }
        JsonNode recorded = Checkpoints.settings(ckpt);
        settingsUnchecked = recorded == null;
        if (recorded != null) {
            List<ResumeSettingsException.Change> changes = new ArrayList<>();
            for (Map.Entry<String, Object> e : runSettings().entrySet()) {
                JsonNode was = recorded.get(e.getKey());
                if (was != null && !same(was, e.getValue())) {
                    changes.add(new ResumeSettingsException.Change(e.getKey(), text(was), text(e.getValue())));
                }
            }
            if (!changes.isEmpty()) {
                throw new ResumeSettingsException(ckpt, changes);
            }
        }
        Checkpoints.restore(ckpt, model, optimizer, state, streams);
        // the steps before the checkpoint trained on what it records (the same data, unless it was swapped)
        model.addTrainingData(UgeCheckpoint.trainingData(ckpt.resolve("model")));
        lastCheckpoint = ckpt;
        log.truncateAfter(state.step);
        return true;
    }

    private static boolean same(JsonNode was, Object now) {
        if (now instanceof Boolean b) {
            return was.isBoolean() && was.booleanValue() == b;
        }
        if (now instanceof Double d) {
            return was.isNumber() && Double.compare(was.doubleValue(), d) == 0;
        }
        return was.isIntegralNumber() && was.longValue() == ((Number) now).longValue();
    }

    private static String text(Object v) {
        if (v instanceof JsonNode n) {
            v = n.isFloatingPointNumber() ? (Object) n.doubleValue() : n.isIntegralNumber() ? (Object) n.longValue()
                    : n.isBoolean() ? (Object) n.booleanValue() : n.asText();
        }
        if (v instanceof Double d && Double.isFinite(d)) {
            return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
        return String.valueOf(v);
    }

    /** Runs the remaining steps; prints progress to {@code console} (may be null). Returns the final model directory. */
    public Path run(PrintWriter console) throws IOException {
        String earlier = resumeAsked ? null : existingRun(cfg.out());
        if (earlier != null) {
            throw new IllegalStateException(cfg.out() + " already holds a training run (" + earlier + "); resume it "
                    + "or train into another directory, so that the two runs' checkpoints and logs do not mix");
        }
        model.train(true);
        Progress progress = new Progress(console, totalSteps, state.step);
        while (state.step < totalSteps) {
            List<TrainingExample> batch = nextBatch();
            long t0 = System.nanoTime();
            double loss = step(batch);
            double seconds = (System.nanoTime() - t0) / 1e9;
            state.step++;
            Map<String, Double> lrs = new LinkedHashMap<>();
            for (ParamGroup g : optimizer.groups()) {
                lrs.putIfAbsent(g.name().replace(NO_DECAY, ""), g.lr());
            }
            state.lastLoss = loss;
            log.write(state.step, state.epoch, loss, lrs, state.lastGradNorm, batch.size() / seconds);
            progress.update(state.step, loss);
            if (cfg.checkpointEvery() > 0 && state.step % cfg.checkpointEvery() == 0 && state.step < totalSteps) {
                lastCheckpoint = Checkpoints.write(cfg.out(), model, optimizer, state, streams, runSettings(),
                    cfg.keepCheckpoints());
            }
        }
        progress.done();
        lastCheckpoint = Checkpoints.write(cfg.out(), model, optimizer, state, streams, runSettings(),
                cfg.keepCheckpoints());
        Path finalDir = cfg.out().resolve("model");
        model.save(finalDir);
        LossCurve.write(log.read(), cfg.out().resolve("loss_curve.png"), "UGE stage " + cfg.stage());
        model.train(false);
        return finalDir;
    }

    /** The next batch of the seeded per-epoch order, moving to the next epoch when fewer than a batch remain. */
    private List<TrainingExample> nextBatch() {
        if (state.order == null) {
            state.order = TrainerState.permutation(data.size(), cfg.seed(), state.epoch);
        }
        if (state.cursor + cfg.batchSize() > data.size()) {
            state.epoch++;
            state.order = TrainerState.permutation(data.size(), cfg.seed(), state.epoch);
            state.cursor = 0;
        }
        List<TrainingExample> b = new ArrayList<>();
        for (int i = 0; i < cfg.batchSize(); i++) {
            b.add(data.get(state.order[state.cursor + i]));
        }
        state.cursor += cfg.batchSize();
        return b;
    }

    /** Forward, backward, clip, update. Returns the mean loss over micro-batches. */
    private double step(List<TrainingExample> batch) {
        int micro = cfg.batchSize() / cfg.accumulation();
        double total = 0;
        for (int a = 0; a < cfg.accumulation(); a++) {
            List<TrainingExample> part = batch.subList(a * micro, (a + 1) * micro);
            List<UgeInput> queries = new ArrayList<>();
            List<UgeInput> candidates = new ArrayList<>();
            for (TrainingExample e : part) {
                queries.add(e.query());
                candidates.add(UgeInput.text(e.positive()));
            }
            if (cfg.hardNegatives()) {
                for (TrainingExample e : part) {
                    if (e.hardNegative() != null) {
                        candidates.add(UgeInput.text(e.hardNegative()));
                    }
                }
            }
            long[] targets = InfoNce.diagonal(part.size());
            double scale = 1.0 / cfg.accumulation();
            double loss;
            if (cfg.gradCacheChunk() > 0) {
                GradCache<UgeInput> gc = new GradCache<>(model::embed, cfg.gradCacheChunk(), streams);
                loss = gc.step(queries, candidates, (q, c) -> InfoNce.loss(q, c, targets, cfg.tau()).mul(scale));
            } else {
                Tensor l = InfoNce.loss(model.embed(queries), model.embed(candidates), targets, cfg.tau()).mul(scale);
                loss = l.item();
                if (Double.isFinite(loss)) {
                    l.backward();
                }
            }
            if (!Double.isFinite(loss)) {
                optimizer.zeroGrad();
                throw new TrainingDivergedException("the loss", loss, state.step + 1, ids(part), lastCheckpoint);
            }
            total += loss;
        }
        double norm = cfg.maxGradNorm() > 0 ? GradClip.clip(allParams.values(), cfg.maxGradNorm())
                : GradClip.globalNorm(allParams.values());
        if (!Double.isFinite(norm)) {
            optimizer.zeroGrad();
            throw new TrainingDivergedException("the gradient norm", norm, state.step + 1, ids(batch), lastCheckpoint);
        }
        state.lastGradNorm = norm;
        schedule.apply(optimizer, state.step);
        optimizer.step();
        optimizer.zeroGrad();
        return total;
    }

    private static List<String> ids(List<TrainingExample> b) {
        List<String> out = new ArrayList<>();
        for (TrainingExample e : b) {
            out.add(e.id());
        }
        return out;
    }
}

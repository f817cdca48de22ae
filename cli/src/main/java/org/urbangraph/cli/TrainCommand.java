package org.urbangraph.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.urbangraph.graph.GraphEncoderConfig;
import org.urbangraph.uge.model.TinyBackbone;
import org.urbangraph.uge.model.TrainingData;
import org.urbangraph.uge.model.UgeModel;
import org.urbangraph.uge.model.UgeModels;
import org.urbangraph.uge.train.ResumeSettingsException;
import org.urbangraph.uge.train.TrainConfig;
import org.urbangraph.uge.train.TrainingDivergedException;
import org.urbangraph.uge.train.TrainingExample;
import org.urbangraph.uge.train.UgeTrainer;
import org.urbangraph.ugdata.dataset.Split;
import org.urbangraph.ugdata.dataset.UgDataset;
import org.urbangraph.ugdata.dataset.UgeSample;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ug train}: one UGE stage on UGData datasets. Stage 1 starts from a backbone model directory (or the bundled
 * tiny untrained backbone with {@code --tiny}); stage 2 starts from the model directory a stage-1 run wrote.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains one UGE stage: stage 1 (image + instruction -> spatial text) from a backbone, or stage 2 "
                + "(graph + image + reasoning path -> text, with the graph encoder) from a stage-1 model.",
            "Writes --out/model (the UGE model directory), checkpoints, train_log.jsonl and loss_curve.png."})
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--stage", required = true, paramLabel = "1|2", description = "Which stage to train.")
    int stage;

    @Option(names = "--data", required = true, paramLabel = "DIR", arity = "1..*",
            description = "UGData dataset directories (training cities; held-out cities are refused).")
    List<Path> data;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Stage 1: a backbone model directory (Qwen2-VL, Qwen2.5-VL, LLaVA-NeXT or Phi-3-V; the "
                    + "family comes from its config.json). Stage 2: the stage-1 run's model directory.")
    Path model;

    @Option(names = "--tiny", description = "Stage 1 only: start from a tiny untrained Qwen2-VL-architecture backbone "
            + "(its base weights then train too).")
    boolean tiny;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "With --tiny: the folder holding the Qwen2 "
            + "tokenizer.json (default: the bundled " + BundledTokenizer.DEFAULT + ", found from the working directory "
            + "or the jar).")
    Path tokenizer;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--resume", description = "Continue from the latest checkpoint in --out.")
    boolean resume;

    @Option(names = "--steps", defaultValue = "0", description = "Optimizer steps (default: --epochs over the data).")
    int steps;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs when --steps is not given (default 1).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "8", description = "Samples per step (default 8).")
    int batchSize;

    @Option(names = "--accumulation", defaultValue = "1", description = "Micro-batches per step (default 1).")
    int accumulation;

    @Option(names = "--grad-cache", defaultValue = "0", paramLabel = "N",
            description = "Gradient caching: inputs per forward pass (default 0: off).")
    int gradCache;

    @Option(names = "--lr", defaultValue = "5e-5", description = "Base learning rate (default 5e-5).")
    double lr;

    @Option(names = "--tau", defaultValue = "0.01", description = "InfoNCE temperature (default 0.01).")
    double tau;

    @Option(names = "--warmup", defaultValue = "0.05", description = "Warm-up ratio (default 0.05).")
    double warmup;

    @Option(names = "--no-hard-negatives", description = "Use in-batch negatives only.")
    boolean noHardNegatives;

    @Option(names = "--checkpoint-every", defaultValue = "50", description = "Checkpoint every N steps (default 50).")
    int checkpointEvery;

    @Option(names = "--max-graph-nodes", paramLabel = "N",
            description = "Subgraph node cap, 0 for none. Stage 1: default 64. Stage 2: default the stage-1 model's "
                    + "cap; a value given here replaces it in the stage-2 model.")
    Integer maxGraphNodes;

    @Option(names = "--encoder", defaultValue = "full", paramLabel = "VARIANT",
            description = "Stage 2: the graph encoder, UGE's (full, the default) or an ablation: no-edge-features "
                    + "(GATv2 without the geodesic edge features), no-coordinates (no coordinate encoding of the "
                    + "nodes), node-encoder-only (no message passing).")
    String encoder;

    /** UGE's graph encoder settings changed by the --encoder variant (the ablations UGBench compares). */
    private java.util.function.UnaryOperator<GraphEncoderConfig> encoderVariant() {
        return switch (encoder) {
            case "full" -> c -> c;
            case "no-edge-features" -> GraphEncoderConfig::withoutEdgeFeatures;
            case "no-coordinates" -> GraphEncoderConfig::withoutCoordinateEncoding;
            case "node-encoder-only" -> GraphEncoderConfig::nodeEncoderOnly;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--encoder '" + encoder
                    + "': expected full, no-edge-features, no-coordinates or node-encoder-only");
        };
    }

    @Option(names = "--seed", defaultValue = "0", description = "Seed of shuffling, initialisation and dropout.")
    long seed;

    /** Refuses a numeric option out of its range before any data or model loads. */
    private void checkRanges() {
        require(stage == 1 || stage == 2, "--stage must be 1 or 2, got " + stage);
        require(steps >= 0, "--steps must be at least 0 (0: use --epochs), got " + steps);
        require(epochs >= 0, "--epochs must be at least 0, got " + epochs);
        require(steps > 0 || epochs > 0, "give --steps or --epochs a positive value (both are 0)");
        require(batchSize >= 2, "--batch-size must be at least 2 (a contrastive batch), got " + batchSize);
        require(accumulation >= 1 && batchSize % accumulation == 0 && batchSize / accumulation >= 2,
                "--accumulation must divide --batch-size " + batchSize + " into micro-batches of at least 2, got "
                        + accumulation);
        require(gradCache >= 0, "--grad-cache must be at least 0 (0: off), got " + gradCache);
        require(lr > 0 && Double.isFinite(lr), "--lr must be a finite number above 0, got " + lr);
        require(tau > 0 && Double.isFinite(tau), "--tau must be a finite number above 0, got " + tau);
        require(warmup >= 0 && warmup < 1, "--warmup must be in [0, 1) (a fraction of the steps), got " + warmup);
        require(checkpointEvery >= 0, "--checkpoint-every must be at least 0 (0: only at the end), got "
                + checkpointEvery);
        require(maxGraphNodes == null || maxGraphNodes >= 0, "--max-graph-nodes must be at least 0 (0: no cap), got "
                + maxGraphNodes);
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /** How the CLI names the settings a checkpoint records. */
    private static String optionOf(String setting) {
        return switch (setting) {
            case "stage" -> "--stage";
            case "batch_size" -> "--batch-size";
            case "accumulation" -> "--accumulation";
            case "grad_cache_chunk" -> "--grad-cache";
            case "total_steps" -> "total steps (--steps, --epochs)";
            case "lr" -> "--lr";
            case "warmup_ratio" -> "--warmup";
            case "tau" -> "--tau";
            case "hard_negatives" -> "hard negatives (--no-hard-negatives)";
            case "seed" -> "--seed";
            case "examples" -> "training examples (--data)";
            case "max_graph_nodes" -> "--max-graph-nodes";
            default -> setting.replace('_', ' ');
        };
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        checkRanges();
        if (stage == 1 && tiny == (model != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "stage 1 needs exactly one of --model DIR "
                    + "(a backbone) or --tiny");
        }
        encoderVariant(); // an unknown variant is a usage error before any work
        if (stage == 1 && !encoder.equals("full")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--encoder is for stage 2: stage 1 has no "
                    + "graph encoder");
        }
        if (stage == 2 && (model == null || tiny)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "stage 2 needs --model: the model directory "
                    + "of a stage-1 run (for example <stage-1 out>/model)");
        }
        String earlier = resume ? null : UgeTrainer.existingRun(out);
        if (earlier != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), out + " already holds a training run ("
                    + earlier + "); add --resume to continue it, or choose another --out");
        }
        List<TrainingExample> examples = new ArrayList<>();
        TrainingData trainedOn = TrainingData.NONE;
        for (Path d : data) {
            UgDataset ds = UgDataset.open(d);
            if (ds.split() != Split.TRAIN) {
                throw new CommandLine.ParameterException(spec.commandLine(), d + " is a held-out city ("
                        + ds.city() + "); train on training cities only");
            }
            List<UgeSample> rows = stage == 1 ? ds.stage1() : ds.stage2();
            examples.addAll(TrainingExample.of(rows));
            // recorded in the model directory, so that ug bench can refuse these images and this city held out
            trainedOn = trainedOn.plus(TrainingData.of(stage, ds, rows));
        }
        err.println("ug train: stage " + stage + " on " + examples.size() + " examples from " + data.size()
                + " dataset(s)");
        UgeModel m = build(err);
        var lora = m.lora() == null ? null : m.lora().config();
        err.println("ug train: " + m.backbone().family().modelType() + " backbone; " + (lora == null ? "no LoRA"
                : "LoRA r " + lora.r() + " on " + (lora.targetRegex() != null ? lora.targetRegex()
                : String.join(", ", lora.targetModules()))));
        TrainConfig cfg = new TrainConfig(stage, batchSize, accumulation, gradCache, steps, steps > 0 ? 0 : epochs, lr,
                0.1, warmup, 0.1, 1.0, tau, !noHardNegatives, seed, checkpointEvery, 2, out);
        UgeTrainer trainer = new UgeTrainer(m, examples, cfg, trainedOn);
        if (resume) {
            boolean resumed;
            try {
                resumed = trainer.resume();
            } catch (ResumeSettingsException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--resume: " + ResumeSettingsException
                        .message(e.checkpoint(), e.changes(), TrainCommand::optionOf, "another --out"));
            }
            if (resumed && trainer.settingsUnchecked()) {
                err.println("ug train: warning: the checkpoint predates the record of its run's settings, so they "
                        + "are not checked; resume with the original ones");
            }
            if (resumed) {
                err.println("ug train: resumed at step " + trainer.state().step() + " of " + trainer.totalSteps());
            } else {
                err.println("ug train: no checkpoint in " + out.resolve("checkpoints") + "; starting from the start");
            }
        }
        err.flush();
        try {
            Path modelDir = trainer.run(err);
            spec.commandLine().getOut().println(modelDir);
            spec.commandLine().getOut().flush();
            return 0;
        } catch (TrainingDivergedException e) {
            err.println("ug train: stopped: " + e.getMessage());
            err.flush();
            return 3;
        }
    }

    private UgeModel build(PrintWriter err) throws IOException {
        if (stage == 2) {
            return UgeModels.stage2WithEncoder(model, encoderVariant(), seed, maxGraphNodes);
        }
        Path backbone = model;
        boolean trainBase = false;
        if (tiny) {
            backbone = out.resolve("tiny-backbone");
            if (!Files.isRegularFile(backbone.resolve("model.safetensors"))) {
                TinyBackbone.create(backbone, BundledTokenizer.resolve(tokenizer), seed);
            }
            trainBase = true;
            err.println("ug train: the tiny backbone is untrained, so its base weights train too (not only LoRA, the "
                    + "graph-token rows and the graph encoder, as with a pretrained backbone)");
        }
        return UgeModels.stage1(backbone, trainBase, seed,
                maxGraphNodes != null ? maxGraphNodes : UgeModels.DEFAULT_MAX_GRAPH_NODES);
    }
}

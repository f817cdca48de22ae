package org.urbangraph.cli;

import java.util.concurrent.Callable;
import org.urbangraph.kernels.Backends;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code ug} command. Each subcommand is a class of its own in this package; this class only lists them and
 * holds the options every subcommand shares (the compute backend and thread count).
 */
@Command(name = "ug", mixinStandardHelpOptions = true, version = "UrbanGraph 0.1.0",
        description = "UrbanGraph: spatially grounded multimodal embeddings for urban science, on the JVM.",
        subcommands = {CommandLine.HelpCommand.class, QuickstartCommand.class, TokenizeCommand.class, EmbedCommand.class,
            DataCommand.class, TrainCommand.class, BenchCommand.class})
public final class Main implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--backend", scope = CommandLine.ScopeType.INHERIT, paramLabel = "NAME",
            description = "Compute backend: cpu (default), opencl or reference.")
    void backend(String name) {
        if (!java.util.Set.of("cpu", "opencl", "cl", "reference", "ref").contains(name.trim().toLowerCase(
                java.util.Locale.ROOT))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--backend must be cpu, opencl or "
                    + "reference, got '" + name + "'");
        }
        System.setProperty(Backends.PROPERTY, name);
    }

    @Option(names = "--threads", scope = CommandLine.ScopeType.INHERIT, paramLabel = "N",
            description = "Worker threads of the CPU backend (default: all cores).")
    void threads(int n) {
        if (n < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1, got " + n);
        }
        System.setProperty("ug.threads", Integer.toString(n));
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    /** The configured command line (tests run commands through this, in process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(new ErrorReport());
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}

package org.urbangraph.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.function.BooleanSupplier;
import org.urbangraph.kernels.BackendUnavailableException;
import org.urbangraph.tensor.io.CheckpointMismatchException;
import org.urbangraph.tensor.io.SafetensorsException;
import org.urbangraph.uge.train.TrainingDivergedException;
import org.urbangraph.vlm.config.ConfigException;
import org.urbangraph.vlm.image.ImageFormatException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * How a command that fails reports it. Bad input (a file that is missing or malformed, a model directory of the wrong
 * kind, an impossible setting) is the user's to fix: they get one line per cause, naming the command, and exit code
 * 1, without a Java stack trace. Anything else is a defect and keeps its stack trace. {@code -Dug.debug=true} or the
 * environment variable {@code UG_DEBUG=1} adds the stack trace to the lines of bad input.
 */
final class ErrorReport implements IExecutionExceptionHandler {
    private final BooleanSupplier debug;

    /** Stack traces of bad input as {@code -Dug.debug} and {@code UG_DEBUG} say. */
    ErrorReport() {
        this(ErrorReport::debug);
    }

    /** Stack traces of bad input when {@code debug} says so (tests set it instead of the environment). */
    ErrorReport(BooleanSupplier debug) {
        this.debug = debug;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (!isInputError(e)) {
            e.printStackTrace(err);
            err.flush();
            return 1;
        }
        // the full command name: "ug", "ug train", "ug data check"
        err.println(cl.getCommandSpec().qualifiedName() + ": " + message(e));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            String m = message(c);
            if (!message(e).contains(m)) {
                err.println("  caused by: " + m);
            }
        }
        if (debug.getAsBoolean()) {
            e.printStackTrace(err);
        } else {
            err.println("  (set UG_DEBUG=1 for the stack trace)");
        }
        err.flush();
        return 1;
    }

    /** Exceptions that describe bad input rather than a defect. */
    static boolean isInputError(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof SafetensorsException || e instanceof CheckpointMismatchException
                || e instanceof ConfigException || e instanceof ImageFormatException
                || e instanceof TrainingDivergedException || e instanceof BackendUnavailableException;
    }

    private static String message(Throwable t) {
        return t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static boolean debug() {
        String env = System.getenv("UG_DEBUG");
        return Boolean.getBoolean("ug.debug") || (env != null && !env.isBlank() && !env.equals("0"));
    }
}

package dev.lowbit.cli;

import dev.lowbit.LowbitException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lowbit} command line: a thin layer over the library's public API. */
@Command(name = "lowbit", mixinStandardHelpOptions = true, version = "lowbit 0.1.0",
        description = "Quantize neural networks on the JVM: calibrate, quantize, evaluate, run, inspect and benchmark ONNX models.",
        subcommands = {
            QuantizeCommand.class,
            TrainCommand.class,
            TestCommand.class,
            EvalCommand.class,
            CompareCommand.class,
            SensitivityCommand.class,
            RunCommand.class,
            InspectCommand.class,
            BenchCommand.class,
            ConformanceCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Exit code of a bug in lowbit (EX_SOFTWARE), distinct from bad input (2). */
    public static final int INTERNAL_ERROR = 70;

    private static String firstLine(Throwable t) {
        String s = t.toString();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Writes the stack trace to a log file in the temporary folder and names it; the stack trace stays findable. */
    private static String crashLog(Throwable t, Function<Object, String> command) {
        try {
            Path log = Files.createTempFile("lowbit-crash-", ".log");
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            Files.writeString(log, "lowbit " + command.apply(null) + "\n" + trace);
            return " (stack trace in " + log + ")";
        } catch (IOException | RuntimeException e) {
            return " (could not write a crash log: " + e.getMessage() + ")";
        }
    }

    /** Runs the CLI and returns its exit code (for tests and embedding). */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // Bad flags or arguments: one line saying what is wrong, a hint where to look, exit code 2.
        cl.setParameterExceptionHandler((ex, args1) -> {
            CommandLine cmd = ex.getCommandLine();
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage().strip().lines().findFirst().orElse("");
            cmd.getErr().println("lowbit: " + msg);
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable t = ex;
            if (t instanceof LowbitException) {
                cmd.getErr().println("lowbit: " + namingFiles(t.getMessage(), parsed));
                return 2;
            }
            if (t instanceof OutOfMemoryError) {
                cmd.getErr().println("lowbit: out of memory (raise -Xmx through LOWBIT_JAVA_OPTS)");
                return 3;
            }
            cmd.getErr().println("lowbit: internal error (a bug in lowbit, please report it): " + firstLine(t)
                    + crashLog(t, args1 -> cmd.getCommandSpec().qualifiedName()));
            return INTERNAL_ERROR;
        });
        cl.setOverwrittenOptionsAllowed(true);
        String[] expanded;
        try {
            expanded = expandConfig(cl, args);
        } catch (LowbitException e) {
            cl.getErr().println("lowbit: " + e.getMessage());
            return 2;
        }
        return cl.execute(expanded);
    }

    /** Options whose file holds the data a model ran on when an error came up. */
    private static final List<String> DATA_OPTIONS = List.of("--calib", "--data", "--inputs");

    /**
     * A node's error ("Conv node 'c' ...") raised after loading, by a pass or a kernel, or a feed
     * that does not fit an input ("input 'x' expects ..."), says which files it came from: the model (the command's first file argument) and the data it ran on,
     * unless it names one of the command line's files already.
     */
    static String namingFiles(String message, CommandLine.ParseResult parsed) {
        if (message == null || !(message.contains(" node '") || message.startsWith("input '")) || parsed == null) {
            return message;
        }
        CommandLine.ParseResult leaf = parsed;
        while (leaf.subcommand() != null) {
            leaf = leaf.subcommand();
        }
        Path model = null;
        Path data = null;
        List<Path> named = new ArrayList<>();
        for (CommandLine.Model.PositionalParamSpec p : leaf.matchedPositionals()) {
            if (p.getValue() instanceof Path f) {
                named.add(f);
                model = model == null ? f : model;
            }
        }
        for (CommandLine.Model.OptionSpec o : leaf.matchedOptions()) {
            if (o.getValue() instanceof Path f) {
                named.add(f);
                if (DATA_OPTIONS.contains(o.longestName())) {
                    data = f;
                }
            }
        }
        for (Path f : named) {
            if (message.contains(f.toString()) || (f.getFileName() != null && message.contains(f.getFileName().toString()))) {
                return message;
            }
        }
        if (model == null) {
            return message;
        }
        return model + (data != null ? " on " + data : "") + ": " + message;
    }

    /**
     * Replaces {@code --config FILE.yaml} after a subcommand by the flags the file spells, placed
     * before the command line's own flags so that those win (options may be overwritten).
     */
    static String[] expandConfig(CommandLine cl, String[] args) {
        if (args.length == 0 || !cl.getSubcommands().containsKey(args[0])) {
            return args;
        }
        CommandLine sub = cl.getSubcommands().get(args[0]);
        List<String> rest = new ArrayList<>();
        Path config = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config") && i + 1 < args.length) {
                config = Path.of(args[++i]);
            } else if (a.startsWith("--config=")) {
                config = Path.of(a.substring("--config=".length()));
            } else {
                rest.add(a);
            }
        }
        if (config == null || sub.getCommandSpec().findOption("--config") == null) {
            return args;
        }
        List<String> out = new ArrayList<>();
        out.add(args[0]);
        List<String> fromFile = YamlArgs.read(config, List.of());
        if (fromFile.isEmpty()) {
            throw new LowbitException(config + ": the config file sets no keys (keys are the long flag names of '"
                    + args[0] + "')");
        }
        for (int i = 0; i + 1 < fromFile.size(); i++) {
            CommandLine.Model.OptionSpec o = sub.getCommandSpec().findOption(fromFile.get(i));
            String next = fromFile.get(i + 1);
            if (o != null && o.typeInfo().isBoolean() && !next.startsWith("--")) {
                throw new LowbitException(config + ": '" + fromFile.get(i).substring(2) + "' must be true or false, got '"
                        + next + "'");
            }
        }
        for (String a : fromFile) {
            if (a.startsWith("--no-") && sub.getCommandSpec().findOption(a) == null
                    && sub.getCommandSpec().findOption("--" + a.substring(5)) != null) {
                continue; // `flag: false` for a plain switch: leave it off
            }
            if (a.startsWith("--") && sub.getCommandSpec().findOption(a) == null) {
                throw new LowbitException(config + ": unknown key '" + a.substring(2) + "' (keys are the long flag names of '"
                        + args[0] + "', e.g. calib, weights, method)");
            }
            out.add(a);
        }
        out.addAll(rest);
        return out.toArray(String[]::new);
    }
}

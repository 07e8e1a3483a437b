package dev.lowbit.cli;

import dev.lowbit.LowbitException;
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
                cmd.getErr().println("lowbit: " + t.getMessage());
                return 2;
            }
            if (t instanceof OutOfMemoryError) {
                cmd.getErr().println("lowbit: out of memory (raise -Xmx through LOWBIT_JAVA_OPTS)");
                return 3;
            }
            cmd.getErr().println("lowbit: internal error: " + t);
            t.printStackTrace(cmd.getErr());
            return 1;
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

    /**
     * Replaces {@code --config FILE.yaml} after a subcommand by the flags the file spells, placed
     * before the command line's own flags so that those win (options may be overwritten).
     */
    static String[] expandConfig(CommandLine cl, String[] args) {
        if (args.length == 0 || !cl.getSubcommands().containsKey(args[0])) {
            return args;
        }
        CommandLine sub = cl.getSubcommands().get(args[0]);
        java.util.List<String> rest = new java.util.ArrayList<>();
        java.nio.file.Path config = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config") && i + 1 < args.length) {
                config = java.nio.file.Path.of(args[++i]);
            } else if (a.startsWith("--config=")) {
                config = java.nio.file.Path.of(a.substring("--config=".length()));
            } else {
                rest.add(a);
            }
        }
        if (config == null || sub.getCommandSpec().findOption("--config") == null) {
            return args;
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        out.add(args[0]);
        for (String a : YamlArgs.read(config, java.util.List.of())) {
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

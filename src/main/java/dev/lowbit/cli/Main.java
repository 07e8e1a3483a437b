package dev.lowbit.cli;

import dev.lowbit.LowbitException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lowbit} command line: a thin layer over the library's public API. */
@Command(name = "lowbit", mixinStandardHelpOptions = true, version = "lowbit 0.1.0",
        description = "Quantize neural networks on the JVM: run, inspect, benchmark and check ONNX models.",
        subcommands = {
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
        return cl.execute(args);
    }
}

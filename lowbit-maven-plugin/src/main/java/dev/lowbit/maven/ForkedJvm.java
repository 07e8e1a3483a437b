package dev.lowbit.maven;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Runs a main class in a JVM of its own, the Java that runs Maven, and hands over its stdout and
 * stderr line by line as they come (a long calibration shows its progress) while keeping them.
 */
final class ForkedJvm {
    /** How the JVM ended and everything it printed. */
    record Result(int exitCode, List<String> stdout, List<String> stderr) {
    }

    private final Path java = Path.of(System.getProperty("java.home"), "bin",
            System.getProperty("os.name", "").startsWith("Windows") ? "java.exe" : "java");
    private final List<String> flags;
    private final List<Path> classPath;
    private final Path workingDirectory;

    ForkedJvm(List<String> flags, List<Path> classPath, Path workingDirectory) {
        this.flags = List.copyOf(flags);
        this.classPath = List.copyOf(classPath);
        this.workingDirectory = workingDirectory;
    }

    /** The command line that runs {@code mainClass} with {@code args}. */
    List<String> command(String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(flags);
        command.add("-cp");
        command.add(classPath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /**
     * Runs {@code mainClass} with {@code args} to its end; each stdout line goes to {@code stdout},
     * each stderr line to {@code stderr}, from two threads of their own.
     */
    Result run(String mainClass, List<String> args, Consumer<String> stdout, Consumer<String> stderr)
            throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command(mainClass, args)).directory(workingDirectory.toFile()).start();
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        List<String> err = Collections.synchronizedList(new ArrayList<>());
        // Both streams are drained at once: a JVM blocks when the pipe it writes to is full.
        Thread outPump = pump(process.getInputStream(), line -> {
            out.add(line);
            stdout.accept(line);
        });
        Thread errPump = pump(process.getErrorStream(), line -> {
            err.add(line);
            stderr.accept(line);
        });
        try {
            int exit = process.waitFor();
            outPump.join();
            errPump.join();
            return new Result(exit, List.copyOf(out), List.copyOf(err));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private static Thread pump(InputStream stream, Consumer<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "forked-jvm-output");
        t.setDaemon(true);
        t.start();
        return t;
    }
}

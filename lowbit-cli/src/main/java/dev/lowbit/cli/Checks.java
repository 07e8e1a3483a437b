package dev.lowbit.cli;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks of flags and paths made before any work starts, so a bad value fails in the first
 * second with one line instead of after calibration (or never, as a negative size budget did).
 */
final class Checks {
    private Checks() {
    }

    /** An output file: not a folder, and in a folder that exists or can be created, and can be written. */
    static void outputFile(String flag, Path file) {
        if (file == null) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw new LowbitException(file + ": " + flag + " names a folder; give a file name");
        }
        Path existing = file.toAbsolutePath().getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new LowbitException(file + ": " + existing + " is not a folder");
        }
        if (!Files.isWritable(existing)) {
            throw new LowbitException(file + ": folder " + existing + " is not writable");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new LowbitException(file + ": exists and is not writable");
        }
    }

    /** An output folder: created if missing, and writable. */
    static void outputFolder(String flag, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new LowbitException(dir + ": " + flag + " must be a folder, but it is a file");
        }
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isWritable(existing)) {
            throw new LowbitException(dir + ": " + flag + " cannot be written (" + existing + " is not writable)");
        }
    }

    static void atLeast(String flag, long value, long min) {
        if (value < min) {
            throw new LowbitException(flag + " must be at least " + min + ", got " + value);
        }
    }

    static void bits(String flag, int value) {
        if (value < 2 || value > 16) {
            throw new LowbitException(flag + " must be in 2..16, got " + value);
        }
    }

    /** A finite number in [min, max]. */
    static void within(String flag, double value, double min, double max) {
        if (!Double.isFinite(value) || value < min || value > max) {
            throw new LowbitException(flag + " must be a number in [" + min + ", " + max + "], got " + value);
        }
    }

    static void finitePositive(String flag, double value) {
        if (!Double.isFinite(value) || value <= 0) {
            throw new LowbitException(flag + " must be a finite number above 0, got " + value);
        }
    }

    /** Node names given on the command line (such as --exclude) must name nodes of the model. */
    static void nodesExist(String flag, Collection<String> names, Graph graph, Path model) {
        if (names == null || names.isEmpty()) {
            return;
        }
        Set<String> known = new HashSet<>();
        for (Node n : graph.nodes()) {
            known.add(n.name());
        }
        List<String> unknown = new ArrayList<>();
        for (String n : names) {
            if (!known.contains(n)) {
                unknown.add(n);
            }
        }
        if (!unknown.isEmpty()) {
            throw new LowbitException(model + ": " + flag + " names no node of the model: " + String.join(", ", unknown)
                    + " (`lowbit inspect " + model + " --json` lists the node names)");
        }
    }
}

package dev.lowbit.data;

import dev.lowbit.LowbitException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.Tensor;
import java.util.stream.Stream;

/** Opens a data set from a path, choosing the reader by what the path is. */
public final class Datasets {
    private Datasets() {
    }

    /**
     * A directory of class sub-folders is an image folder; a file starting with an IDX header
     * (gzipped or not) is IDX images, labelled by {@code options.labels()} or by the MNIST-named
     * sibling file; {@code .npy}/{@code .npz} files, folders of {@code NAME.npy} and folders of ONNX
     * {@code test_data_set_*} are arrays; a {@code .txt} file is one sentence per line, tokenized
     * with {@code options.tokenizer()}. When {@code options.inputs()} gives the model's inputs,
     * arrays named after them feed them by name and integer inputs keep integer values.
     */
    public static Dataset open(Path path, DatasetOptions options) {
        if (!Files.exists(path)) {
            throw new LowbitException(path + ": no such file or directory");
        }
        List<ValueInfo> inputs = options.inputs();
        if (Files.isDirectory(path)) {
            if (isArrayFolder(path)) {
                return inputs != null ? NamedArrayDataset.folder(path, labels(options), options) : ArrayDataset.open(path, options);
            }
            requireOneImageInput(path, inputs);
            return new ImageFolderDataset(path, options);
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".txt")) {
            if (options.tokenizer() == null) {
                throw new LowbitException(path + ": a text file needs --tokenizer tokenizer.json to become token ids");
            }
            return TextDataset.open(path, options);
        }
        if (name.endsWith(".npz") && inputs != null) {
            Map<String, Tensor> members = Npz.read(path);
            if (inputs.size() > 1 || NamedArrayDataset.namesInputs(members.keySet(), inputs) || !isFloat(inputs.get(0))) {
                return NamedArrayDataset.npz(path, members, labels(options), options);
            }
        }
        if (name.endsWith(".npy") && inputs != null && (inputs.size() > 1 || !isFloat(inputs.get(0)))) {
            requireOneInput(path, inputs);
            return NamedArrayDataset.of(path + " (npy)", Map.of(Batch.UNNAMED, Npy.read(path)), labels(options), options);
        }
        if (name.endsWith(".npy") || name.endsWith(".npz")) {
            return ArrayDataset.open(path, options);
        }
        if (IdxReader.looksLikeIdx(path)) {
            requireOneImageInput(path, inputs);
            Path labels = options.labels() != null ? options.labels() : IdxDataset.guessLabels(path);
            return new IdxDataset(path, labels, options);
        }
        throw new LowbitException(path + ": not a data set (expected an IDX file, an .npy/.npz file, a folder of class"
                + " sub-folders with images, a folder of NAME.npy or test_data_set_* folders, or a .txt with --tokenizer)");
    }

    /** The first {@code samples} samples of {@code source}, read once (in batches of {@code batch}) and served from memory. */
    public static Dataset head(Dataset source, int samples, int batch) {
        return range(source, 0, samples, batch);
    }

    /** Samples {@code [from, from + samples)} of {@code source} (fewer at its end), read once and served from memory. */
    public static Dataset range(Dataset source, int from, int samples, int batch) {
        int n = Math.max(0, Math.min(samples, source.size() - from));
        int skip = from;
        java.util.List<Map<String, Tensor>> parts = new java.util.ArrayList<>();
        long[] labels = source.hasLabels() ? new long[n] : null;
        int got = 0;
        for (java.util.Iterator<Batch> it = source.batches(Math.max(1, batch)); it.hasNext() && got < n; ) {
            Batch b = it.next();
            if (skip >= b.size()) {
                skip -= b.size();
                continue;
            }
            b = b.slice(skip, b.size()).take(n - got);
            skip = 0;
            parts.add(b.inputs());
            if (labels != null) {
                System.arraycopy(b.labels(), 0, labels, got, b.size());
            }
            got += b.size();
        }
        String name = source.name() + (from == 0 ? " (first " + got + ")" : " (samples " + from + ".." + (from + got) + ")");
        if (parts.isEmpty()) {
            return NamedArrayDataset.of(name, Map.of(Batch.UNNAMED, Tensor.zeros(dev.lowbit.tensor.DType.FLOAT,
                    prepend(source.sampleShape()))), labels, DatasetOptions.defaults());
        }
        return NamedArrayDataset.of(name, Feeds.concat(parts), labels, DatasetOptions.defaults());
    }

    private static int[] prepend(int[] sample) {
        int[] out = new int[sample.length + 1];
        System.arraycopy(sample, 0, out, 1, sample.length);
        return out;
    }

    private static boolean isFloat(ValueInfo v) {
        return v.type() == null || v.type().isFloatingPoint();
    }

    private static long[] labels(DatasetOptions options) {
        return options.labels() == null ? null : Npy.read(options.labels()).toLongArray();
    }

    private static void requireOneInput(Path path, List<ValueInfo> inputs) {
        if (inputs != null && inputs.size() != 1) {
            throw Feeds.oneArrayForSeveralInputs(path.toString() + ":", inputs.stream().map(ValueInfo::name).toList());
        }
    }

    private static void requireOneImageInput(Path path, List<ValueInfo> inputs) {
        requireOneInput(path, inputs);
        if (inputs != null && !isFloat(inputs.get(0))) {
            throw new LowbitException(path + ": images cannot feed model input '" + inputs.get(0).name() + "' ("
                    + inputs.get(0).describe() + "): give its values as .npy/.npz arrays");
        }
    }

    private static boolean isArrayFolder(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .anyMatch(n -> n.startsWith("test_data_set_") || n.matches("input_\\d+\\.pb") || n.endsWith(".npy"));
        } catch (IOException e) {
            throw new LowbitException(dir + ": cannot list directory: " + e.getMessage(), e);
        }
    }
}

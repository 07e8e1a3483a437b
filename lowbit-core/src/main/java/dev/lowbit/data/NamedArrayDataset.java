package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Samples of a model with any number of inputs, one array per input, the first axis the sample
 * index: an {@code .npz} with a member per input name, a folder of {@code NAME.npy}, or
 * {@code test_data_set_*} folders of {@code input_N.pb} (concatenated along axis 0). Arrays keep
 * their element type where the input is an integer (token ids, masks); see {@link InputArrays}.
 */
public final class NamedArrayDataset extends Dataset {
    private final Map<String, Tensor> arrays;
    private final long[] labels;

    private NamedArrayDataset(String name, Map<String, Tensor> arrays, long[] labels, DatasetOptions options) {
        super(name, rows(name, arrays), options);
        this.arrays = arrays;
        this.labels = labels;
        if (labels != null && labels.length < totalSamples()) {
            throw new LowbitException(name + ": " + labels.length + " labels for " + totalSamples() + " samples");
        }
    }

    /** Arrays already read, keyed by model input name ({@link Batch#UNNAMED} for a one-input model). */
    public static NamedArrayDataset of(String name, Map<String, Tensor> arrays, long[] labels, DatasetOptions options) {
        return new NamedArrayDataset(name, converted(name, arrays, options), labels, options);
    }

    /** True when {@code arrays} name at least one of the model's inputs (by name or file stem). */
    static boolean namesInputs(Iterable<String> arrayNames, List<ValueInfo> inputs) {
        if (inputs == null) {
            return false;
        }
        for (String a : arrayNames) {
            for (ValueInfo v : inputs) {
                if (a.equals(v.name()) || a.equals(TensorFiles.fileStem(v.name()))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** An .npz archive with one member per model input (labels from y/labels/label when present). */
    static NamedArrayDataset npz(Path path, Map<String, Tensor> members, long[] labels, DatasetOptions options) {
        Map<String, Tensor> byInput = new LinkedHashMap<>();
        for (ValueInfo v : options.inputs()) {
            Tensor t = members.containsKey(v.name()) ? members.get(v.name()) : members.get(TensorFiles.fileStem(v.name()));
            if (t == null) {
                throw new LowbitException(path + ": no member '" + TensorFiles.fileStem(v.name()) + "' for model input '"
                        + v.name() + "' (" + v.describe() + "); it has " + members.keySet());
            }
            byInput.put(v.name(), t);
        }
        if (labels == null) {
            for (String y : List.of("y", "labels", "label", "targets")) {
                if (members.containsKey(y) && !byInput.containsKey(y)) {
                    labels = members.get(y).toLongArray();
                    break;
                }
            }
        }
        return of(path + " (npz)", byInput, labels, options);
    }

    /** A folder of NAME.npy / input_N.pb files (one array per input), or of test_data_set_* such folders. */
    static NamedArrayDataset folder(Path dir, long[] labels, DatasetOptions options) {
        List<Path> sets;
        try (Stream<Path> s = Files.list(dir)) {
            sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_") && Files.isDirectory(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new LowbitException(dir + ": cannot list (" + e.getMessage() + ")");
        }
        if (sets.isEmpty()) {
            return of(dir + " (arrays)", TensorFiles.readArrays(dir, options.inputs()), labels, options);
        }
        List<Map<String, Tensor>> parts = new ArrayList<>();
        for (Path set : sets) {
            parts.add(converted(set.toString(), TensorFiles.readArrays(set, options.inputs()), options));
        }
        return new NamedArrayDataset(dir + " (test_data_set)", Feeds.concat(parts), labels, options);
    }

    private static Map<String, Tensor> converted(String name, Map<String, Tensor> arrays, DatasetOptions options) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        arrays.forEach((k, t) -> {
            if (t.rank() < 1) {
                throw new LowbitException(name + ": array '" + k + "' needs a leading sample axis, got a scalar");
            }
            ValueInfo v = input(options.inputs(), k);
            Tensor c = InputArrays.convert(v, t, options.preprocessOrDefault(), name + ": array '" + k + "'");
            if (v != null) {
                checkSample(v, c, name + ": array '" + k + "'");
            }
            out.put(v != null ? v.name() : k, c);
        });
        return out;
    }

    private static ValueInfo input(List<ValueInfo> inputs, String key) {
        if (inputs == null) {
            return null;
        }
        if (key.equals(Batch.UNNAMED) && inputs.size() == 1) {
            return inputs.get(0);
        }
        for (ValueInfo v : inputs) {
            if (key.equals(v.name()) || key.equals(TensorFiles.fileStem(v.name()))) {
                return v;
            }
        }
        return null;
    }

    /** Rank and fixed dims after the sample axis must match the declaration. */
    private static void checkSample(ValueInfo v, Tensor t, String source) {
        int[] dims = v.dims();
        boolean ok = dims == null || dims.length == t.rank();
        for (int i = 1; ok && dims != null && i < dims.length; i++) {
            ok = dims[i] < 0 || dims[i] == t.dim(i);
        }
        if (!ok) {
            throw new LowbitException(source + ": samples are " + t.dtype().onnxName()
                    + Arrays.toString(Arrays.copyOfRange(t.shapeRef(), 1, t.rank())).replace(" ", "")
                    + " but model input '" + v.name() + "' expects " + v.describe());
        }
    }

    private static int rows(String name, Map<String, Tensor> arrays) {
        int n = -1;
        for (Map.Entry<String, Tensor> e : arrays.entrySet()) {
            int r = e.getValue().rank() < 1 ? -1 : e.getValue().dim(0);
            if (n >= 0 && r != n) {
                throw new LowbitException(name + ": array '" + e.getKey() + "' has " + r + " samples, the others " + n);
            }
            n = r;
        }
        return Math.max(n, 0);
    }

    @Override
    public int[] sampleShape() {
        Tensor t = arrays.values().iterator().next();
        return Arrays.copyOfRange(t.shapeRef(), 1, t.rank());
    }

    @Override
    public boolean hasLabels() {
        return labels != null;
    }

    @Override
    protected void readSamples(int[] indices, int n, float[] dst, long[] outLabels) {
        throw new UnsupportedOperationException("named arrays are read by readBatch");
    }

    @Override
    protected Batch readBatch(int[] idx) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        arrays.forEach((k, t) -> out.put(k, gather(t, idx)));
        long[] l = null;
        if (labels != null) {
            l = new long[idx.length];
            for (int i = 0; i < idx.length; i++) {
                l[i] = labels[idx[i]];
            }
        }
        return new Batch(out, l);
    }

    private static Tensor gather(Tensor t, int[] idx) {
        int per = t.dim(0) == 0 ? 0 : t.size() / t.dim(0);
        int[] shape = t.shape();
        shape[0] = idx.length;
        Object data = java.lang.reflect.Array.newInstance(t.data().getClass().getComponentType(), idx.length * per);
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(t.data(), idx[i] * per, data, i * per, per);
        }
        return Tensor.wrap(t.dtype(), shape, data);
    }
}

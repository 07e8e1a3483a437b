package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.Tensor;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Helpers for feeds: a model's inputs by name, each holding a batch of samples along axis 0, in
 * any element type (float pixels, int64 token ids, masks).
 */
public final class Feeds {
    private Feeds() {
    }

    /** Samples in a feed (axis 0 of its first tensor; 0 for an empty feed). */
    public static int samples(Map<String, Tensor> feeds) {
        return feeds.isEmpty() ? 0 : feeds.values().iterator().next().dim(0);
    }

    /** The first {@code n} samples of every input (the feed itself when it has no more). */
    public static Map<String, Tensor> take(Map<String, Tensor> feeds, int n) {
        return n >= samples(feeds) ? feeds : slice(feeds, 0, n);
    }

    /** Samples {@code [from, to)} of every input. */
    public static Map<String, Tensor> slice(Map<String, Tensor> feeds, int from, int to) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        feeds.forEach((k, v) -> out.put(k, v.rows(from, to)));
        return out;
    }

    /** Samples {@code idx} (in that order) of every input, whatever its element type. */
    public static Map<String, Tensor> rows(Map<String, Tensor> feeds, int[] idx) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        feeds.forEach((k, v) -> out.put(k, rows(v, idx)));
        return out;
    }

    /** Samples {@code idx} of one batch tensor. */
    public static Tensor rows(Tensor t, int[] idx) {
        int[] shape = t.shape();
        int per = shape[0] == 0 ? 0 : t.size() / shape[0];
        shape[0] = idx.length;
        Object data = Array.newInstance(t.data().getClass().getComponentType(), idx.length * per);
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(t.data(), idx[i] * per, data, i * per, per);
        }
        return Tensor.wrap(t.dtype(), shape, data);
    }

    /** Feeds stacked along axis 0 (every part must have the same inputs and sample shapes). */
    public static Map<String, Tensor> concat(List<Map<String, Tensor>> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : parts.get(0).keySet()) {
            List<Tensor> ts = new ArrayList<>();
            parts.forEach(p -> ts.add(p.get(name)));
            out.put(name, concatRows(name, ts));
        }
        return out;
    }

    private static Tensor concatRows(String name, List<Tensor> parts) {
        Tensor first = parts.get(0);
        int[] shape = first.shape();
        int rows = 0;
        for (Tensor t : parts) {
            if (t.rank() != shape.length || t.dtype() != first.dtype()
                    || t.size() / Math.max(1, t.dim(0)) != first.size() / Math.max(1, first.dim(0))) {
                throw new LowbitException("input '" + name + "': batches have different sample shapes ("
                        + java.util.Arrays.toString(first.shapeRef()) + " vs " + java.util.Arrays.toString(t.shapeRef())
                        + "); pad them to one length");
            }
            rows += t.dim(0);
        }
        shape[0] = rows;
        Object data = Array.newInstance(first.data().getClass().getComponentType(),
                dev.lowbit.tensor.Shapes.size(shape));
        int off = 0;
        for (Tensor t : parts) {
            System.arraycopy(t.data(), 0, data, off, t.size());
            off += t.size();
        }
        return Tensor.wrap(first.dtype(), shape, data);
    }

    /** The error for data of one array given to a model with several inputs. */
    static LowbitException oneArrayForSeveralInputs(String where, List<String> modelInputs) {
        return new LowbitException(where + " holds one array, but the model has " + modelInputs.size() + " inputs ("
                + String.join(", ", modelInputs) + "): give an .npz with one array per input name, a folder of NAME.npy,"
                + " test_data_set_* folders, or a .txt with --tokenizer");
    }

    /**
     * Binds a data set's arrays to a model's inputs: an {@link Batch#UNNAMED unnamed} array feeds the
     * model's only input; named arrays must cover every model input. {@code source} names the data in
     * errors (null = "the data").
     */
    public static Map<String, Tensor> bind(Map<String, Tensor> arrays, List<String> modelInputs, String source) {
        String where = source == null ? "the data" : source;
        if (arrays.size() == 1 && arrays.containsKey(Batch.UNNAMED)) {
            if (modelInputs.size() != 1) {
                throw oneArrayForSeveralInputs(where, modelInputs);
            }
            return Map.of(modelInputs.get(0), arrays.get(Batch.UNNAMED));
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String in : modelInputs) {
            Tensor t = arrays.get(in);
            if (t == null) {
                missing.add(in);
            } else {
                out.put(in, t);
            }
        }
        if (!missing.isEmpty()) {
            throw new LowbitException(where + " has no array for model input(s) " + String.join(", ", missing)
                    + " (it has " + String.join(", ", arrays.keySet()) + ")");
        }
        return out;
    }
}

package dev.lowbit.engine;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded random tensors for a model's declared inputs, for benchmarks and smoke tests.
 * Shapes: an explicit override wins; otherwise a symbolic first dimension (and any dimension
 * named like a batch: N, batch, batch_size...) becomes {@code batch} and other unknown
 * dimensions become 1, except the unknown later dimensions of integer inputs (token ids, masks),
 * which become {@link #SEQUENCE_LENGTH} tokens. Values: floats uniform in [-1, 1), bools fair
 * coins; integer inputs named like masks are all ones, like token type or segment ids all zeros,
 * other integers (token ids) in [0, 10), valid for any vocabulary.
 */
public final class RandomInputs {
    /** Tokens per sample for integer inputs whose sequence length is not fixed. */
    public static final int SEQUENCE_LENGTH = 128;

    private RandomInputs() {
    }

    /** The concrete shape used for {@code v}. */
    public static int[] shape(ValueInfo v, int batch, Map<String, int[]> overrides) {
        int[] given = overrides.get(v.name());
        int[] dims = v.dims();
        if (given != null) {
            if (dims != null && dims.length != given.length) {
                throw new LowbitException("--shape " + v.name() + ": rank " + given.length + " does not match the model's "
                        + v.describe());
            }
            for (int i = 0; dims != null && i < dims.length; i++) {
                if (dims[i] >= 0 && dims[i] != given[i]) {
                    throw new LowbitException("--shape " + v.name() + "=" + Arrays.toString(given)
                            + " conflicts with the model's " + v.describe());
                }
            }
            return given.clone();
        }
        if (dims == null) {
            throw new LowbitException("input '" + v.name() + "' has unknown rank; give its shape with --shape "
                    + v.name() + "=1x3x224x224");
        }
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] >= 0) {
                out[i] = dims[i];
            } else {
                String p = v.shape().get(i).param();
                boolean tokens = i > 0 && v.type() != null && v.type().isInteger();
                out[i] = tokens ? SEQUENCE_LENGTH : i == 0 || isBatchName(p) ? batch : 1;
            }
        }
        return out;
    }

    private static boolean isBatchName(String p) {
        if (p == null) {
            return false;
        }
        String s = p.toLowerCase(java.util.Locale.ROOT);
        return s.equals("n") || s.equals("b") || s.contains("batch");
    }

    /** One random tensor per input, reproducible for a given {@code seed}. */
    public static Map<String, Tensor> generate(List<ValueInfo> inputs, int batch, Map<String, int[]> overrides, long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (ValueInfo v : inputs) {
            if (v.type() == null) {
                throw new LowbitException("input '" + v.name() + "' is not a tensor of a type lowbit can hold");
            }
            Tensor t = Tensor.zeros(v.type(), shape(v, batch, overrides));
            fill(t, r, v.name().toLowerCase(java.util.Locale.ROOT));
            out.put(v.name(), t);
        }
        return out;
    }

    private static void fill(Tensor t, Random r, String name) {
        int n = t.size();
        DType d = t.dtype();
        if (d == DType.STRING) {
            throw new LowbitException("cannot generate random string tensors");
        }
        for (int i = 0; i < n; i++) {
            if (d.isFloatingPoint()) {
                t.setDouble(i, r.nextFloat() * 2 - 1);
            } else if (d == DType.BOOL) {
                t.setLong(i, r.nextBoolean() ? 1 : 0);
            } else if (name.contains("mask")) {
                t.setLong(i, 1);
            } else if (name.contains("type") || name.contains("segment")) {
                t.setLong(i, 0);
            } else {
                t.setLong(i, r.nextInt(10));
            }
        }
    }

    /** Parses {@code 1x3x224x224} (also {@code 1,3,224,224}). */
    public static int[] parseDims(String text) {
        String[] parts = text.split("[x,]");
        int[] dims = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                dims[i] = Integer.parseInt(parts[i].strip());
                if (dims[i] < 0) {
                    throw new NumberFormatException();
                }
            }
        } catch (NumberFormatException e) {
            throw new LowbitException("bad shape '" + text + "' (expected e.g. 1x3x224x224)");
        }
        return dims;
    }
}

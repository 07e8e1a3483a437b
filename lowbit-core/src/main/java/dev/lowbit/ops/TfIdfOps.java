package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * TfIdfVectorizer (opset 9): counts the pool's n-grams (lengths min..max_gram_length, tokens
 * {@code skip + 1} apart for every skip up to max_skip_count) in each row, then applies TF, IDF or
 * TFIDF weighting. Unigrams are counted once, not once per skip distance.
 */
final class TfIdfOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("", "TfIdfVectorizer", 9, TfIdfOps::create);
    }

    private static Op create(OpContext ctx) {
        var n = ctx.node();
        int minGram = (int) n.getInt("min_gram_length", 1);
        int maxGram = (int) n.getInt("max_gram_length", 1);
        int maxSkip = (int) n.getInt("max_skip_count", 0);
        String mode = n.getString("mode", "TF");
        if (!List.of("TF", "IDF", "TFIDF").contains(mode) || minGram < 1 || maxGram < minGram || maxSkip < 0) {
            throw ctx.unsupported("mode/gram/skip attributes (" + mode + ", " + minGram + ".." + maxGram + ", " + maxSkip + ")");
        }
        int[] counts = n.getIntArray("ngram_counts", new int[0]);
        int[] indexes = n.getIntArray("ngram_indexes", new int[0]);
        float[] weights = n.getFloats("weights", null);
        long[] poolInts = n.getInts("pool_int64s", null);
        List<String> poolStrings = n.getStrings("pool_strings", null);
        if ((poolInts == null) == (poolStrings == null)) {
            throw ctx.unsupported("needs exactly one of pool_int64s and pool_strings");
        }
        int poolSize = poolInts != null ? poolInts.length : poolStrings.size();
        // key of an n-gram: its tokens joined; per gram length, key -> output column
        List<Map<String, Integer>> byLength = new ArrayList<>();
        byLength.add(Map.of());
        int ordinal = 0;
        for (int g = 1; g <= counts.length; g++) {
            int start = counts[g - 1];
            int end = g < counts.length ? counts[g] : poolSize;
            Map<String, Integer> m = new HashMap<>();
            for (int p = start; p + g <= end; p += g) {
                StringBuilder key = new StringBuilder();
                for (int t = 0; t < g; t++) {
                    key.append(poolInts != null ? Long.toString(poolInts[p + t]) : poolStrings.get(p + t)).append('\u0000');
                }
                if (ordinal >= indexes.length) {
                    throw ctx.unsupported("ngram_indexes shorter than the pool");
                }
                m.put(key.toString(), indexes[ordinal++]);
            }
            byLength.add(m);
        }
        int width = 0;
        for (int i : indexes) {
            width = Math.max(width, i + 1);
        }
        int outWidth = width;
        return in -> {
            Tensor x = in[0];
            boolean strings = x.dtype() == DType.STRING;
            if (strings != (poolStrings != null) || !(strings || x.dtype() == DType.INT32 || x.dtype() == DType.INT64)) {
                throw new UnsupportedOpException("TfIdfVectorizer: unsupported data type " + x.dtype().onnxName());
            }
            if (x.rank() > 2 || x.rank() == 0) {
                throw new UnsupportedOpException("TfIdfVectorizer: input must be [C] or [N, C]");
            }
            int rows = x.rank() == 2 ? x.dim(0) : 1;
            int cols = x.dim(x.rank() - 1);
            float[] y = new float[rows * outWidth];
            String[] tokens = new String[cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    tokens[c] = strings ? x.strings()[r * cols + c] : Long.toString(x.getLong(r * cols + c));
                }
                for (int g = minGram; g <= Math.min(maxGram, byLength.size() - 1); g++) {
                    Map<String, Integer> pool = byLength.get(g);
                    for (int skip = 0; skip <= (g == 1 ? 0 : maxSkip); skip++) {
                        int stride = skip + 1;
                        for (int s = 0; s + (g - 1) * stride < cols; s++) {
                            StringBuilder key = new StringBuilder();
                            for (int t = 0; t < g; t++) {
                                key.append(tokens[s + t * stride]).append('\u0000');
                            }
                            Integer col = pool.get(key.toString());
                            if (col != null) {
                                y[r * outWidth + col]++;
                            }
                        }
                    }
                }
                for (int c = 0; c < outWidth; c++) {
                    float count = y[r * outWidth + c];
                    float w = weights == null ? 1f : weights[c];
                    y[r * outWidth + c] = switch (mode) {
                        case "IDF" -> count > 0 ? w : 0f;
                        case "TFIDF" -> count * w;
                        default -> count;
                    };
                }
            }
            Tensor out = x.rank() == 2 ? Tensor.of(y, rows, outWidth) : Tensor.of(y, outWidth);
            return new Tensor[] {out};
        };
    }
}

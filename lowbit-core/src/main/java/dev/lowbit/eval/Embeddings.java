package dev.lowbit.eval;

import dev.lowbit.tensor.Tensor;
import java.util.Locale;
import java.util.Map;

/**
 * Sentence embeddings from a transformer's token outputs: the mean of the token vectors that the
 * attention mask marks as real (the pooling of sentence-transformers and LangChain4j).
 */
public final class Embeddings {
    private Embeddings() {
    }

    /** Mean of {@code hidden} [N, T, D] over the tokens whose {@code mask} [N, T] is nonzero: [N × D] values. */
    public static float[] meanPool(Tensor hidden, Tensor mask) {
        int n = hidden.dim(0);
        int t = hidden.dim(1);
        int d = hidden.dim(2);
        float[] h = hidden.toFloatArray();
        float[] out = new float[n * d];
        for (int s = 0; s < n; s++) {
            int count = 0;
            double[] acc = new double[d];
            for (int k = 0; k < t; k++) {
                if (mask.getDouble(s * t + k) == 0) {
                    continue;
                }
                count++;
                for (int j = 0; j < d; j++) {
                    acc[j] += h[(s * t + k) * d + j];
                }
            }
            for (int j = 0; j < d; j++) {
                out[s * d + j] = (float) (acc[j] / Math.max(1, count));
            }
        }
        return out;
    }

    /**
     * The attention mask among {@code feeds} that fits {@code hidden} [N, T, D] (an input named like a
     * mask, shaped [N, T]), or null when there is none.
     */
    public static Tensor maskFor(Tensor hidden, Map<String, Tensor> feeds) {
        if (hidden.rank() != 3) {
            return null;
        }
        for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
            Tensor m = e.getValue();
            if (e.getKey().toLowerCase(Locale.ROOT).contains("mask") && m.rank() == 2 && m.dim(0) == hidden.dim(0)
                    && m.dim(1) == hidden.dim(1) && !m.dtype().isFloatingPoint()) {
                return m;
            }
        }
        return null;
    }
}

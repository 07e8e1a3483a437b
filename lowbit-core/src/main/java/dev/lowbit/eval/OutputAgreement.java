package dev.lowbit.eval;

import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agreement of a model's outputs with a reference's, batch by batch: every float output by
 * SQNR and cosine, and by its {@link OutputKind} (top-1, mask IoU, CTC decodes); a token output
 * [N, T, D] also as attention-masked mean-pooled sentence embeddings.
 */
final class OutputAgreement {
    private final List<String> outputs;
    private final Map<String, OutputKind> kinds;
    private final double maskThreshold;
    private final Map<String, Agreement> agreements = new LinkedHashMap<>();

    /** {@code kinds} null = every [N, C] output is class scores. */
    OutputAgreement(List<String> outputs, Map<String, OutputKind> kinds, double maskThreshold) {
        this.outputs = outputs;
        this.kinds = kinds;
        this.maskThreshold = maskThreshold;
    }

    /** Adds one batch: its feeds {@code x}, the reference's outputs and the tested model's. */
    void add(Map<String, Tensor> x, Map<String, Tensor> reference, Map<String, Tensor> test, int batchSize) {
        for (String o : outputs) {
            Tensor f = reference.get(o);
            Tensor q = test.get(o);
            OutputKind kind = kinds == null ? OutputKind.CLASS_SCORES : kinds.getOrDefault(o, OutputKind.OTHER);
            add(agreements.computeIfAbsent(o, k -> new Agreement()), f, q, kind, maskThreshold);
            Tensor mask = f == null ? null : Embeddings.maskFor(f, x);
            if (mask != null && q != null && Arrays.equals(f.shapeRef(), q.shapeRef())) {
                agreements.computeIfAbsent(o + ModelComparison.POOLED, k -> new Agreement()).addSamples(
                        Embeddings.meanPool(f, mask), Embeddings.meanPool(q, mask), batchSize);
            }
        }
    }

    /** One row per output compared (non-float or mismatched outputs have none). */
    List<ModelComparison.Row> rows() {
        return ModelComparison.rows(agreements, Map.of());
    }

    static void add(Agreement a, Tensor f, Tensor q, OutputKind kind, double maskThreshold) {
        if (f == null || q == null || f.dtype() != DType.FLOAT || q.dtype() != DType.FLOAT) {
            return;
        }
        if (!Arrays.equals(f.shapeRef(), q.shapeRef())) {
            return;
        }
        int samples = f.rank() == 0 ? 1 : f.dim(0);
        a.addSamples(f.floats(), q.floats(), samples, kind == OutputKind.CLASS_SCORES && f.rank() == 2 ? f.dim(1) : 0);
        if (kind == OutputKind.PROBABILITY_MAP) {
            a.addMasks(f.floats(), q.floats(), samples, maskThreshold);
        } else if (kind == OutputKind.SEQUENCE_SCORES && f.rank() == 3) {
            a.addDecodes(f.floats(), q.floats(), samples, f.dim(1), f.dim(2));
        }
    }
}

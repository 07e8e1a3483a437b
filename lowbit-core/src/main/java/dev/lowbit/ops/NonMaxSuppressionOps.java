package dev.lowbit.ops;

import dev.lowbit.exec.OpRegistry;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NonMaxSuppression (opsets 10-11): per batch and class, greedily keeps the highest-scoring box
 * and drops later boxes whose IoU with a kept one exceeds the threshold.
 */
public final class NonMaxSuppressionOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("NonMaxSuppression", ctx -> {
            long centerPointBox = ctx.node().getInt("center_point_box", 0);
            if (centerPointBox != 0 && centerPointBox != 1) {
                throw ctx.unsupported("NonMaxSuppression center_point_box " + centerPointBox);
            }
            return in -> {
                long maxOut = in.length > 2 && in[2] != null && in[2].size() > 0 ? in[2].getLong(0) : 0;
                double iou = in.length > 3 && in[3] != null && in[3].size() > 0 ? in[3].getDouble(0) : 0;
                Double scoreMin = in.length > 4 && in[4] != null && in[4].size() > 0 ? in[4].getDouble(0) : null;
                return new Tensor[] {nms(in[0], in[1], maxOut, (float) iou, scoreMin, centerPointBox == 1)};
            };
        });
    }

    static Tensor nms(Tensor boxes, Tensor scores, long maxOut, float iouThreshold, Double scoreMin, boolean center) {
        int batches = scores.dim(0), classes = scores.dim(1), count = scores.dim(2);
        if (boxes.dim(0) != batches || boxes.dim(1) != count || boxes.dim(2) != 4) {
            throw new IllegalArgumentException("NonMaxSuppression: boxes " + boxes + " do not match scores " + scores);
        }
        float[] b = boxes.toFloatArray();
        float[] s = scores.toFloatArray();
        List<long[]> selected = new ArrayList<>();
        for (int n = 0; n < batches; n++) {
            float[][] corners = new float[count][];
            for (int i = 0; i < count; i++) {
                corners[i] = corners(b, (n * count + i) * 4, center);
            }
            for (int c = 0; c < classes; c++) {
                int base = (n * classes + c) * count;
                Integer[] order = new Integer[count];
                int m = 0;
                for (int i = 0; i < count; i++) {
                    if (scoreMin == null || s[base + i] > scoreMin) {
                        order[m++] = i;
                    }
                }
                Integer[] cand = Arrays.copyOf(order, m);
                // highest score first; stable sort keeps the lower box index first on ties
                Arrays.sort(cand, (p, q) -> Float.compare(s[base + q], s[base + p]));
                List<Integer> kept = new ArrayList<>();
                for (int i = 0; i < m && kept.size() < maxOut; i++) {
                    int box = cand[i];
                    boolean suppressed = false;
                    for (int k : kept) {
                        if (iou(corners[box], corners[k]) > iouThreshold) {
                            suppressed = true;
                            break;
                        }
                    }
                    if (!suppressed) {
                        kept.add(box);
                        selected.add(new long[] {n, c, box});
                    }
                }
            }
        }
        long[] out = new long[selected.size() * 3];
        for (int i = 0; i < selected.size(); i++) {
            System.arraycopy(selected.get(i), 0, out, i * 3, 3);
        }
        return Tensor.of(out, selected.size(), 3);
    }

    /** {y_min, x_min, y_max, x_max} from either box encoding. */
    private static float[] corners(float[] b, int o, boolean center) {
        if (center) {
            float xc = b[o], yc = b[o + 1], w = b[o + 2], h = b[o + 3];
            return new float[] {yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2};
        }
        return new float[] {Math.min(b[o], b[o + 2]), Math.min(b[o + 1], b[o + 3]),
            Math.max(b[o], b[o + 2]), Math.max(b[o + 1], b[o + 3])};
    }

    private static float iou(float[] a, float[] b) {
        float areaA = (a[2] - a[0]) * (a[3] - a[1]);
        float areaB = (b[2] - b[0]) * (b[3] - b[1]);
        if (areaA <= 0 || areaB <= 0) {
            return 0;
        }
        float ih = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
        float iw = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
        float inter = ih * iw;
        float union = areaA + areaB - inter;
        return union <= 0 ? 0 : inter / union;
    }
}

package dev.lowbit.ptq;

import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small seeded CNNs and in-memory data sets for the PTQ algorithm tests. */
public final class TinyNets {
    private TinyNets() {
    }

    /**
     * x[N,1,8,8] -> conv1 3x3 (8) -> Relu -> conv2 3x3 (8) -> Relu -> conv3 3x3 (8) -> Relu -> GAP
     * -> Flatten -> fc (10). With {@code fragileConv2}, every conv2 output channel has one weight 8×
     * larger than the rest, so a 4-bit grid rounds the others to almost nothing.
     */
    public static Model cnn(long seed, boolean fragileConv2) {
        Random r = new Random(seed);
        Graph g = new Graph("tiny");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 1, 8, 8));
        g.outputs().add(ValueInfo.of("logits", DType.FLOAT, -1, 10));
        String in = "x";
        int cin = 1;
        for (int l = 1; l <= 3; l++) {
            float[] w = new float[8 * cin * 9];
            double bound = Math.sqrt(6.0 / (cin * 9));
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
            }
            if (l == 2 && fragileConv2) {
                for (int o = 0; o < 8; o++) {
                    w[o * cin * 9 + 4] = (float) (8 * bound); // one outlier per output channel
                }
            }
            float[] b = new float[8];
            for (int i = 0; i < 8; i++) {
                b[i] = (float) (r.nextGaussian() * 0.1);
            }
            g.setInitializer("w" + l, Tensor.of(w, 8, cin, 3, 3));
            g.setInitializer("b" + l, Tensor.of(b, 8));
            g.addNode(new Node("Conv", "conv" + l, List.of(in, "w" + l, "b" + l), List.of("c" + l))
                    .set(Attribute.ofInts("pads", 1, 1, 1, 1)));
            g.addNode(new Node("Relu", "relu" + l, List.of("c" + l), List.of("r" + l)));
            in = "r" + l;
            cin = 8;
        }
        g.addNode(new Node("GlobalAveragePool", "gap", List.of(in), List.of("g")));
        g.addNode(new Node("Flatten", "flatten", List.of("g"), List.of("f")));
        float[] fw = new float[8 * 10];
        for (int i = 0; i < fw.length; i++) {
            fw[i] = (float) r.nextGaussian();
        }
        g.setInitializer("fw", Tensor.of(fw, 8, 10));
        g.setInitializer("fb", Tensor.of(new float[10], 10));
        g.addNode(new Node("Gemm", "fc", List.of("f", "fw", "fb"), List.of("logits")));
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    /** {@code n} seeded images of smooth blobs plus noise, [n,1,8,8]. */
    public static Tensor images(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n * 64];
        for (int s = 0; s < n; s++) {
            double cx = r.nextDouble() * 8;
            double cy = r.nextDouble() * 8;
            double amp = 0.5 + r.nextDouble() * 2;
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    double d2 = (i - cy) * (i - cy) + (j - cx) * (j - cx);
                    x[s * 64 + i * 8 + j] = (float) (amp * Math.exp(-d2 / 6) + 0.2 * r.nextGaussian());
                }
            }
        }
        return Tensor.of(x, n, 1, 8, 8);
    }

    /** Labels = the float model's own argmax, so float top-1 is 100%. */
    public static long[] selfLabels(Model m, Tensor x) {
        Tensor logits = new Executor(m).run(Map.of("x", x)).get("logits");
        long[] y = new long[x.dim(0)];
        for (int i = 0; i < y.length; i++) {
            y[i] = dev.lowbit.eval.Accuracy.argmax(logits.floats(), 10, i);
        }
        return y;
    }

    /** An in-memory data set over a [N, ...] tensor, labelled when {@code labels} is not null. */
    public static Dataset dataset(Tensor x, long[] labels) {
        int per = x.size() / x.dim(0);
        int[] shape = java.util.Arrays.copyOfRange(x.shapeRef(), 1, x.rank());
        return new Dataset("memory", x.dim(0), DatasetOptions.defaults()) {
            @Override
            public int[] sampleShape() {
                return shape;
            }

            @Override
            public boolean hasLabels() {
                return labels != null;
            }

            @Override
            protected void readSamples(int[] indices, int n, float[] dst, long[] lab) {
                for (int i = 0; i < n; i++) {
                    System.arraycopy(x.floats(), indices[i] * per, dst, i * per, per);
                    if (lab != null) {
                        lab[i] = labels[indices[i]];
                    }
                }
            }
        };
    }
}

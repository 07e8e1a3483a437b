package dev.lowbit.ops;

import static dev.lowbit.ops.OrtReferee.random8;
import static dev.lowbit.ops.OrtReferee.scalar8;

import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import dev.lowbit.testutil.Ort;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The table-driven com.microsoft ops against ONNX Runtime, every output byte: QLinearLeakyRelu and
 * QLinearSigmoid on every byte value for many random scales and zero points (the whole table), and
 * QLinearConcat of inputs that share the output's parameters (copied) or not (requantized), uint8
 * and int8.
 */
class QLinearTableOpsOrtTest {
    private static final DType[] TYPES = {DType.UINT8, DType.INT8};

    @Test
    void leakyReluTableMatchesOnnxRuntime() {
        Random r = new Random(61);
        for (DType t : TYPES) {
            for (int trial = 0; trial < 60; trial++) {
                float xs = (float) Math.pow(2, -8 + 6 * r.nextDouble());
                float ys = xs * (float) Math.pow(2, -1.5 + 2 * r.nextDouble());
                unary("QLinearLeakyRelu", t, r, xs, ys).attr(Attribute.ofFloat("alpha", 0.01f + 0.4f * r.nextFloat())).assertSame();
            }
        }
    }

    @Test
    void sigmoidTableMatchesOnnxRuntime() {
        Random r = new Random(62);
        for (DType t : TYPES) {
            for (int trial = 0; trial < 80; trial++) {
                // inputs up to about +-40 (past MLAS's clamp at 18), outputs in (0, 1) on 8 bits
                float xs = (float) Math.pow(2, -9 + 6.5 * r.nextDouble());
                float ys = (float) Math.pow(2, -8.5 + r.nextDouble());
                unary("QLinearSigmoid", t, r, xs, ys).assertSame();
            }
        }
    }

    /**
     * The float function behind QLinearSigmoid's table is MLAS's logistic, the one ORT's float
     * Sigmoid runs too: equal to it bit for bit on a million floats across and past its clamp.
     */
    @Test
    void logisticIsMlasLogistic() {
        Random r = new Random(64);
        float[] x = new float[1 << 20];
        for (int i = 0; i < x.length; i++) {
            x[i] = (r.nextFloat() * 2 - 1) * (i % 4 == 0 ? 40f : 6f);
        }
        Tensor in = Tensor.of(x, x.length);
        Graph g = new Graph("sigmoid");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, x.length));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, x.length));
        g.addNode(new Node("Sigmoid", "s", List.of("x"), List.of("y")));
        Model m = new Model(g);
        m.opsets().put("", 13L);
        float[] theirs = Ort.run(ModelIO.toProto(m).toByteArray(), Map.of("x", in)).get("y").floats();
        for (int i = 0; i < x.length; i++) {
            if (Float.floatToIntBits(theirs[i]) != Float.floatToIntBits(QLinearTableOps.logistic(x[i]))) {
                throw new AssertionError("logistic(" + x[i] + "): ORT " + theirs[i] + ", lowbit " + QLinearTableOps.logistic(x[i]));
            }
        }
    }

    @Test
    void concatCopiesOrRequantizesLikeOnnxRuntime() {
        Random r = new Random(63);
        for (DType t : TYPES) {
            int lo = t == DType.UINT8 ? 0 : -128;
            for (int axis : new int[] {0, 1, 3, -1}) {
                for (int trial = 0; trial < 8; trial++) {
                    float ys = (float) Math.pow(2, -8 + 4 * r.nextDouble());
                    int yz = lo + r.nextInt(256);
                    int[] s1 = {2, 3, 4, 5};
                    int[] s2 = {2, 3, 4, 5};
                    int a = axis < 0 ? axis + 4 : axis;
                    s2[a] = 1 + r.nextInt(4);
                    boolean same = trial % 2 == 0;
                    new OrtReferee("com.microsoft", "QLinearConcat", 1).attr(Attribute.ofInt("axis", axis))
                            .inputs(Tensor.scalar(ys), scalar8(t, yz),
                                    random8(r, t, lo, lo + 255, s1), Tensor.scalar(same ? ys : ys * 1.7f), scalar8(t, same ? yz : lo + r.nextInt(256)),
                                    random8(r, t, lo, lo + 255, s2), Tensor.scalar(ys * 0.6f), scalar8(t, lo + r.nextInt(256)),
                                    random8(r, t, lo, lo + 255, s1), Tensor.scalar(ys), scalar8(t, yz))
                            .outputs(t).assertSame();
                }
            }
        }
    }

    /** A node reading every byte value once (the whole lookup table), quantization parameters random. */
    private static OrtReferee unary(String op, DType t, Random r, float xs, float ys) {
        int lo = t == DType.UINT8 ? 0 : -128;
        Tensor all = Tensor.zeros(t, 4, 64);
        for (int i = 0; i < 256; i++) {
            all.bytes()[i] = (byte) i;
        }
        return new OrtReferee("com.microsoft", op, 1)
                .inputs(all, Tensor.scalar(xs), scalar8(t, lo + r.nextInt(256)), Tensor.scalar(ys), scalar8(t, lo + r.nextInt(256)))
                .outputs(t);
    }
}

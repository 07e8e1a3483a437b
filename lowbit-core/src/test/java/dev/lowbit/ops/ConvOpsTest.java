package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Conv and ConvTranspose against naive direct loops, over random geometries and groups. */
class ConvOpsTest {
    private static final OpRegistry REGISTRY = OpRegistry.standard();

    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(dev.lowbit.tensor.DType.FLOAT, shape);
        float[] f = t.floats();
        for (int i = 0; i < f.length; i++) {
            f[i] = rnd.nextFloat() * 2 - 1;
        }
        return t;
    }

    private static Op op(String type, Tensor constWeight, Attribute... attrs) {
        Node n = new Node(type, "n", List.of("x", "w", "b"), List.of("y"));
        for (Attribute a : attrs) {
            n.set(a);
        }
        Graph g = new Graph("g");
        if (constWeight != null) {
            g.setInitializer("w", constWeight);
        }
        return REGISTRY.create(new OpContext(n, 17, g));
    }

    /** Naive Conv over any rank: y[n, f, o...] = b[f] + sum w[f, c, k...] * x[n, g*cg + c, o*s - p + k*d]. */
    static float[] referenceConv(Tensor x, Tensor w, float[] b, int group, int[] s, int[] d, int[] p, int[] out) {
        int rank = x.rank() - 2, batch = x.dim(0), ch = x.dim(1), f = w.dim(0), cg = ch / group, mg = f / group;
        int[] in = java.util.Arrays.copyOfRange(x.shapeRef(), 2, x.rank());
        int[] k = java.util.Arrays.copyOfRange(w.shapeRef(), 2, w.rank());
        int outSize = 1, kSize = 1, inSize = 1;
        for (int i = 0; i < rank; i++) {
            outSize *= out[i];
            kSize *= k[i];
            inSize *= in[i];
        }
        float[] y = new float[batch * f * outSize];
        for (int n = 0; n < batch; n++) {
            for (int fo = 0; fo < f; fo++) {
                int g = fo / mg;
                for (int o = 0; o < outSize; o++) {
                    double acc = b == null ? 0 : b[fo];
                    for (int c = 0; c < cg; c++) {
                        for (int t = 0; t < kSize; t++) {
                            int idx = 0, oRem = o, tRem = t;
                            boolean inside = true;
                            int oStride = outSize, tStride = kSize, iStride = inSize;
                            for (int a = 0; a < rank; a++) {
                                oStride /= out[a];
                                tStride /= k[a];
                                iStride /= in[a];
                                int oi = oRem / oStride, ti = tRem / tStride;
                                oRem %= oStride;
                                tRem %= tStride;
                                int ii = oi * s[a] - p[a] + ti * d[a];
                                inside &= ii >= 0 && ii < in[a];
                                idx += ii * iStride;
                            }
                            if (inside) {
                                acc += (double) w.floats()[(fo * cg + c) * kSize + t]
                                        * x.floats()[(n * ch + g * cg + c) * inSize + idx];
                            }
                        }
                    }
                    y[(n * f + fo) * outSize + o] = (float) acc;
                }
            }
        }
        return y;
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4f + 1e-4f * Math.abs(expected[i]), "element " + i);
        }
    }

    @Test
    void convMatchesReferenceOnRandomGeometries() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 60; trial++) {
            int rank = 1 + trial % 3;
            int group = new int[] {1, 1, 2, 3}[rnd.nextInt(4)];
            boolean depthwise = trial % 5 == 0;
            int cg = depthwise ? 1 : 1 + rnd.nextInt(3);
            int mg = depthwise ? 1 + rnd.nextInt(2) : 1 + rnd.nextInt(4);
            if (depthwise) {
                group = 2 + rnd.nextInt(4);
            }
            int batch = 1 + rnd.nextInt(2);
            int[] in = new int[rank], k = new int[rank], s = new int[rank], d = new int[rank], p = new int[2 * rank];
            int[] out = new int[rank];
            for (int a = 0; a < rank; a++) {
                in[a] = 1 + rnd.nextInt(rank == 3 ? 5 : 12);
                k[a] = 1 + rnd.nextInt(rank == 1 ? 6 : 3);
                s[a] = 1 + rnd.nextInt(2);
                d[a] = 1 + rnd.nextInt(2);
                p[a] = rnd.nextInt(3);
                p[a + rank] = rnd.nextInt(3);
                int span = (k[a] - 1) * d[a] + 1;
                if (in[a] + p[a] + p[a + rank] < span) {
                    p[a + rank] += span;
                }
                out[a] = (in[a] + p[a] + p[a + rank] - span) / s[a] + 1;
            }
            int[] xShape = new int[rank + 2], wShape = new int[rank + 2];
            xShape[0] = batch;
            xShape[1] = cg * group;
            wShape[0] = mg * group;
            wShape[1] = cg;
            for (int a = 0; a < rank; a++) {
                xShape[a + 2] = in[a];
                wShape[a + 2] = k[a];
            }
            Tensor x = random(rnd, xShape), w = random(rnd, wShape);
            Tensor b = trial % 2 == 0 ? random(rnd, mg * group) : null;
            float[] expected = referenceConv(x, w, b == null ? null : b.floats(), group, s, d, p, out);
            for (Tensor constW : new Tensor[] {null, w}) {
                Op conv = op("Conv", constW, Attribute.ofInt("group", group), Attribute.ofInts("strides", longs(s)),
                        Attribute.ofInts("dilations", longs(d)), Attribute.ofInts("pads", longs(p)));
                Tensor y = conv.run(new Tensor[] {x, w, b})[0];
                assertArrayEquals(out, java.util.Arrays.copyOfRange(y.shapeRef(), 2, rank + 2), "trial " + trial);
                assertClose(expected, y.floats());
            }
        }
    }

    /** Large enough that the output columns are processed in several L2-sized chunks. */
    @Test
    void largeConvSpansSeveralColumnChunks() {
        Random rnd = new Random(11);
        int[][] cases = {{64, 3, 1, 1}, {64, 3, 2, 1}, {600, 1, 1, 0}, {40, 5, 1, 2}};
        for (int[] cs : cases) {
            int c = cs[0], k = cs[1], s = cs[2], p = cs[3];
            Tensor x = random(rnd, 2, c, 23, 21), w = random(rnd, 9, c, k, k), b = random(rnd, 9);
            int oh = (23 + 2 * p - k) / s + 1, ow = (21 + 2 * p - k) / s + 1;
            float[] expected = referenceConv(x, w, b.floats(), 1, new int[] {s, s}, new int[] {1, 1},
                    new int[] {p, p}, new int[] {oh, ow});
            for (Tensor constW : new Tensor[] {null, w}) {
                Tensor y = op("Conv", constW, Attribute.ofInts("strides", s, s), Attribute.ofInts("pads", p, p, p, p))
                        .run(new Tensor[] {x, w, b})[0];
                assertArrayEquals(new int[] {2, 9, oh, ow}, y.shapeRef());
                assertClose(expected, y.floats());
            }
        }
    }

    @Test
    void large3dConvSpansSeveralColumnChunks() {
        Random rnd = new Random(12);
        Tensor x = random(rnd, 1, 64, 8, 9, 10), w = random(rnd, 5, 64, 3, 3, 3);
        float[] expected = referenceConv(x, w, null, 1, new int[] {1, 1, 1}, new int[] {1, 1, 1},
                new int[] {1, 1, 1}, new int[] {8, 9, 10});
        Tensor y = op("Conv", w, Attribute.ofInts("pads", 1, 1, 1, 1, 1, 1)).run(new Tensor[] {x, w, null})[0];
        assertArrayEquals(new int[] {1, 5, 8, 9, 10}, y.shapeRef());
        assertClose(expected, y.floats());
    }

    @Test
    void sameUpperAndLowerPadding() {
        Random rnd = new Random(7);
        Tensor x = random(rnd, 1, 2, 6, 7), w = random(rnd, 3, 2, 4, 3);
        for (String mode : new String[] {"SAME_UPPER", "SAME_LOWER"}) {
            Tensor y = op("Conv", null, Attribute.ofString("auto_pad", mode), Attribute.ofInts("strides", 2, 2))
                    .run(new Tensor[] {x, w, null})[0];
            assertArrayEquals(new int[] {1, 3, 3, 4}, y.shapeRef());
            // total pads: H (3-1)*2+4-6 = 2, W (4-1)*2+3-7 = 2; LOWER puts the odd half first (both even here).
            int[] pads = {1, 1};
            float[] expected = referenceConv(x, w, null, 1, new int[] {2, 2}, new int[] {1, 1}, pads, new int[] {3, 4});
            assertClose(expected, y.floats());
        }
    }

    @Test
    void convTransposeIsTheAdjointOfConv() {
        // <Conv(x), y> == <x, ConvT(y)> for the same weight and geometry (no bias).
        Random rnd = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            int rank = 1 + trial % 3, group = 1 + trial % 2;
            int cg = 1 + rnd.nextInt(3), mg = 1 + rnd.nextInt(3);
            int[] in = new int[rank], k = new int[rank], s = new int[rank], d = new int[rank], p = new int[2 * rank];
            int[] out = new int[rank];
            for (int a = 0; a < rank; a++) {
                k[a] = 1 + rnd.nextInt(3);
                s[a] = 1 + rnd.nextInt(3);
                d[a] = 1 + rnd.nextInt(2);
                p[a] = rnd.nextInt(k[a]);
                p[a + rank] = rnd.nextInt(k[a]);
                out[a] = 1 + rnd.nextInt(4);
                int span = (k[a] - 1) * d[a] + 1;
                in[a] = (out[a] - 1) * s[a] + span - p[a] - p[a + rank];
                if (in[a] < 1) {
                    p[a + rank] = 0;
                    p[a] = 0;
                    in[a] = (out[a] - 1) * s[a] + span;
                }
            }
            int[] xShape = new int[rank + 2], wShape = new int[rank + 2], yShape = new int[rank + 2];
            xShape[0] = 1;
            xShape[1] = cg * group;
            wShape[0] = mg * group;
            wShape[1] = cg;
            yShape[0] = 1;
            yShape[1] = mg * group;
            for (int a = 0; a < rank; a++) {
                xShape[a + 2] = in[a];
                wShape[a + 2] = k[a];
                yShape[a + 2] = out[a];
            }
            Tensor x = random(rnd, xShape), w = random(rnd, wShape), y = random(rnd, yShape);
            Attribute[] attrs = {Attribute.ofInt("group", group), Attribute.ofInts("strides", longs(s)),
                Attribute.ofInts("dilations", longs(d)), Attribute.ofInts("pads", longs(p))};
            Tensor convX = op("Conv", null, attrs).run(new Tensor[] {x, w, null})[0];
            // ConvTranspose's weight is [C_in_of_transpose = mg*group, cg, k...]: the same array.
            Tensor wt = w.reshape(wShape);
            int[] outPad = new int[rank];
            for (int a = 0; a < rank; a++) {
                int span = (k[a] - 1) * d[a] + 1;
                outPad[a] = in[a] - ((out[a] - 1) * s[a] + span - p[a] - p[a + rank]);
            }
            Tensor convTY = op("ConvTranspose", trial % 2 == 0 ? wt : null, attrs[0], attrs[1], attrs[2], attrs[3],
                    Attribute.ofInts("output_padding", longs(outPad))).run(new Tensor[] {y, wt, null})[0];
            assertArrayEquals(x.shapeRef(), convTY.shapeRef(), "trial " + trial);
            double lhs = dot(convX.floats(), y.floats()), rhs = dot(x.floats(), convTY.floats());
            assertEquals(lhs, rhs, 1e-3 * (1 + Math.abs(lhs)), "trial " + trial);
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static long[] longs(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}

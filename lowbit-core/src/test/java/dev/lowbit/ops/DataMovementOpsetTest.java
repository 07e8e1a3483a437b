package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Node;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Attribute-versus-input handling of the data-movement ops across opsets, through the registry. */
class DataMovementOpsetTest {
    private static Tensor[] run(String op, int opset, int outputs, Tensor[] in, Attribute... attrs) {
        List<String> ins = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            ins.add(in[i] == null ? "" : "x" + i);
        }
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            outs.add("y" + i);
        }
        Node n = new Node(op, "n", ins, outs);
        for (Attribute a : attrs) {
            n.set(a);
        }
        return OpRegistry.standard().create(new OpContext(n, opset, null)).run(in);
    }

    private static Tensor floats(int... shape) {
        float[] d = new float[dev.lowbit.tensor.Shapes.size(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = i;
        }
        return Tensor.of(d, shape);
    }

    @Test
    void splitAttributeBefore13InputAfterNumOutputsAt18() {
        Tensor x = floats(7);
        Tensor[] a = run("Split", 11, 2, new Tensor[] {x}, Attribute.ofInts("split", 3, 4));
        assertArrayEquals(new float[] {3, 4, 5, 6}, a[1].floats());
        Tensor[] b = run("Split", 13, 2, new Tensor[] {x, Tensor.of(new long[] {5, 2}, 2)});
        assertArrayEquals(new float[] {5, 6}, b[1].floats());
        Tensor[] c = run("Split", 18, 3, new Tensor[] {x, null}, Attribute.ofInt("num_outputs", 3));
        assertArrayEquals(new float[] {6}, c[2].floats());
    }

    @Test
    void squeezeAndUnsqueezeAxesAttributeThenInput() {
        Tensor x = floats(1, 3, 1);
        assertArrayEquals(new int[] {3, 1}, run("Squeeze", 11, 1, new Tensor[] {x}, Attribute.ofInts("axes", 0))[0].shapeRef());
        assertArrayEquals(new int[] {3}, run("Squeeze", 13, 1, new Tensor[] {x})[0].shapeRef());
        assertArrayEquals(new int[] {3, 1}, run("Squeeze", 13, 1, new Tensor[] {x, Tensor.of(new long[] {0}, 1)})[0].shapeRef());
        Tensor y = floats(3);
        assertArrayEquals(new int[] {1, 3, 1},
                run("Unsqueeze", 11, 1, new Tensor[] {y}, Attribute.ofInts("axes", 0, -1))[0].shapeRef());
        assertArrayEquals(new int[] {3, 1, 1},
                run("Unsqueeze", 13, 1, new Tensor[] {y, Tensor.of(new long[] {2, 1}, 2)})[0].shapeRef());
    }

    @Test
    void sliceAttributesBefore10() {
        Tensor x = floats(3, 4);
        Tensor y = run("Slice", 9, 1, new Tensor[] {x}, Attribute.ofInts("starts", 1), Attribute.ofInts("ends", 100),
                Attribute.ofInts("axes", 1))[0];
        assertArrayEquals(new int[] {3, 3}, y.shapeRef());
        assertArrayEquals(new float[] {1, 2, 3, 5, 6, 7, 9, 10, 11}, y.floats());
    }

    @Test
    void padAttributeBefore11AxesInputAt18() {
        Tensor x = floats(2, 2);
        Tensor a = run("Pad", 2, 1, new Tensor[] {x}, Attribute.ofInts("pads", 0, 1, 0, 0),
                Attribute.ofFloat("value", 7f))[0];
        assertArrayEquals(new float[] {7, 0, 1, 7, 2, 3}, a.floats());
        Tensor b = run("Pad", 18, 1, new Tensor[] {x, Tensor.of(new long[] {1, 0}, 2), Tensor.scalar(5f),
                Tensor.of(new long[] {-2}, 1)})[0];
        assertArrayEquals(new float[] {5, 5, 0, 1, 2, 3}, b.floats());
        Tensor c = run("Pad", 19, 1, new Tensor[] {x, Tensor.of(new long[] {0, 1, 0, 1}, 4)},
                Attribute.ofString("mode", "wrap"))[0];
        assertArrayEquals(new float[] {1, 0, 1, 0, 3, 2, 3, 2}, c.floats());
    }

    @Test
    void upsampleScalesAttributeAt7InputAt9() {
        Tensor x = floats(1, 1, 1, 2);
        Tensor a = run("Upsample", 7, 1, new Tensor[] {x}, Attribute.ofFloats("scales", 1, 1, 2, 2))[0];
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 1, 1}, a.floats());
        Tensor b = run("Upsample", 9, 1, new Tensor[] {x, Tensor.of(new float[] {1, 1, 1, 2}, 4)},
                Attribute.ofString("mode", "linear"))[0];
        assertArrayEquals(new float[] {0, 0.5f, 1, 1}, b.floats());
    }

    @Test
    void resizeOpset10NearestIsAsymmetricFloorOrCeilWhenShrinking() {
        Tensor x = floats(1, 1, 1, 3);
        Tensor a = run("Resize", 10, 1, new Tensor[] {x, Tensor.of(new float[] {1, 1, 1, 2}, 4)})[0];
        assertArrayEquals(new float[] {0, 0, 1, 1, 2, 2}, a.floats());
        // shrinking rounds up: the old ONNX example [[1,2,3,4],[5,6,7,8]] * 0.6 gives [[1, 3]]
        Tensor x2 = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 2, 4);
        Tensor b = run("Resize", 10, 1, new Tensor[] {x2, Tensor.of(new float[] {1, 1, 0.6f, 0.6f}, 4)})[0];
        assertArrayEquals(new float[] {1, 3}, b.floats());
    }

    @Test
    void unsupportedVariantsFailAtLoad() {
        assertThrows(UnsupportedOpException.class, () -> run("Resize", 18, 1, new Tensor[] {floats(1)},
                Attribute.ofInt("antialias", 1)));
        assertThrows(UnsupportedOpException.class, () -> run("Pad", 11, 1, new Tensor[] {floats(1)},
                Attribute.ofString("mode", "mirror")));
    }

    @Test
    void topKAttributeKBefore10() {
        Tensor x = Tensor.of(new float[] {3, 1, 2}, 3);
        Tensor[] r = run("TopK", 1, 2, new Tensor[] {x}, Attribute.ofInt("k", 2));
        assertArrayEquals(new float[] {3, 2}, r[0].floats());
        assertArrayEquals(new long[] {0, 2}, r[1].longs());
    }

    @Test
    void gridSampleWithIdentityGridReproducesInputInEveryMode() {
        int h = 3, w = 4;
        Tensor x = floats(1, 2, h, w);
        float[] g = new float[h * w * 2];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                g[(i * w + j) * 2] = -1 + 2f * j / (w - 1);
                g[(i * w + j) * 2 + 1] = -1 + 2f * i / (h - 1);
            }
        }
        Tensor grid = Tensor.of(g, 1, h, w, 2);
        for (String mode : new String[] {"nearest", "bilinear", "bicubic"}) {
            for (String pad : new String[] {"zeros", "border", "reflection"}) {
                Tensor y = run("GridSample", 16, 1, new Tensor[] {x, grid}, Attribute.ofString("mode", mode),
                        Attribute.ofString("padding_mode", pad), Attribute.ofInt("align_corners", 1))[0];
                assertArrayEquals(x.floats(), y.floats(), 1e-5f, mode + "/" + pad);
            }
        }
    }
}

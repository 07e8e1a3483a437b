package dev.lowbit.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.lowbit.exec.Executor;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The unfused quantized block ops against the NCHW ops they replace (themselves bit-exact with ONNX
 * Runtime, see QLinearBinaryOpsOrtTest and QLinearPoolOpsOrtTest): bytes into shifted blocks, a
 * ShiftedQLinearAdd or a QLinearGlobalAveragePoolBlocks, and back to bytes give the same bytes as
 * QLinearAdd and QLinearGlobalAveragePool, for uint8 and int8, channel counts ending inside a block.
 */
class QuantizedBlocksTest {
    private static final String MS = "com.microsoft";
    private final Random rnd = new Random(8);

    private static Node node(String type, String domain, List<String> in, String out) {
        return new Node(type, domain, type + "_" + out, new ArrayList<>(in), new ArrayList<>(List.of(out)));
    }

    private static Map<String, Tensor> run(Graph g, Map<String, Tensor> feed) {
        return new Executor(g, Map.of("", 17L, MS, 1L, OpRegistry.ENGINE_DOMAIN, 1L), OpRegistry.standard()).run(feed);
    }

    private Tensor randomBytes(DType t, int... shape) {
        Tensor x = Tensor.zeros(t, shape);
        rnd.nextBytes(x.bytes());
        return x;
    }

    private static void params(Graph g, DType t, int za, int zb, int zc) {
        g.setInitializer("sa", Tensor.scalar(0.031f));
        g.setInitializer("sb", Tensor.scalar(0.057f));
        g.setInitializer("sc", Tensor.scalar(0.049f));
        for (String[] z : new String[][] {{"za", "" + za}, {"zb", "" + zb}, {"zc", "" + zc}}) {
            Tensor zt = Tensor.zeros(t, new int[0]);
            zt.bytes()[0] = (byte) Integer.parseInt(z[1]);
            g.setInitializer(z[0], zt);
        }
    }

    private static Node toBlocks(String in, String out, int zp) {
        return node(BlockedConvOps.TO_BLOCKS, OpRegistry.ENGINE_DOMAIN, List.of(in), out)
                .set(Attribute.ofInt(QuantizedBlocks.ZERO_POINT, zp));
    }

    @Test
    void shiftedAddIsQLinearAdd() {
        for (DType t : new DType[] {DType.UINT8, DType.INT8}) {
            int za = t == DType.UINT8 ? 120 : -3, zb = t == DType.UINT8 ? 97 : 11, zc = t == DType.UINT8 ? 131 : 5;
            int channels = BlockedConvOps.LANES + 5;
            Tensor a = randomBytes(t, 2, channels, 5, 3), b = randomBytes(t, 2, channels, 5, 3);
            Graph plain = new Graph("plain");
            params(plain, t, za, zb, zc);
            plain.addNode(node("QLinearAdd", MS, List.of("a", "sa", "za", "b", "sb", "zb", "sc", "zc"), "c"));
            Graph blocked = new Graph("blocked");
            params(blocked, t, za, zb, zc);
            blocked.addNode(toBlocks("a", "ab", za));
            blocked.addNode(toBlocks("b", "bb", zb));
            blocked.addNode(node(QuantizedBlocks.SHIFTED_ADD, OpRegistry.ENGINE_DOMAIN,
                    List.of("ab", "sa", "za", "bb", "sb", "zb", "sc", "zc"), "cb"));
            blocked.addNode(node(BlockedConvOps.FROM_BLOCKS, OpRegistry.ENGINE_DOMAIN, List.of("cb"), "c")
                    .set(Attribute.ofInt(BlockedConvOps.CHANNELS, channels))
                    .set(Attribute.ofInt(QuantizedBlocks.TO, t.onnxCode()))
                    .set(Attribute.ofInt(QuantizedBlocks.ZERO_POINT, zc)));
            for (Graph g : List.of(plain, blocked)) {
                g.inputs().add(ValueInfo.of("a", t, 2, channels, 5, 3));
                g.inputs().add(ValueInfo.of("b", t, 2, channels, 5, 3));
                g.outputs().add(ValueInfo.of("c", t, 2, channels, 5, 3));
            }
            Map<String, Tensor> feed = Map.of("a", a, "b", b);
            assertArrayEquals(run(plain, feed).get("c").bytes(), run(blocked, feed).get("c").bytes(), t.toString());
        }
    }

    @Test
    void blockedPoolIsQLinearGlobalAveragePool() {
        for (DType t : new DType[] {DType.UINT8, DType.INT8}) {
            int za = t == DType.UINT8 ? 100 : -20, zc = t == DType.UINT8 ? 7 : -2;
            int channels = 2 * BlockedConvOps.LANES + 3;
            Tensor a = randomBytes(t, 3, channels, 7, 7);
            Graph plain = new Graph("plain");
            params(plain, t, za, 0, zc);
            plain.addNode(node("QLinearGlobalAveragePool", MS, List.of("a", "sa", "za", "sc", "zc"), "p"));
            Graph blocked = new Graph("blocked");
            params(blocked, t, za, 0, zc);
            blocked.addNode(toBlocks("a", "ab", za));
            blocked.addNode(node(QuantizedBlocks.AVERAGE_BLOCKS, OpRegistry.ENGINE_DOMAIN,
                    List.of("ab", "sa", "za", "sc", "zc"), "p").set(Attribute.ofInt(BlockedConvOps.CHANNELS, channels)));
            for (Graph g : List.of(plain, blocked)) {
                g.inputs().add(ValueInfo.of("a", t, 3, channels, 7, 7));
                g.outputs().add(ValueInfo.of("p", t, 3, channels, 1, 1));
            }
            Map<String, Tensor> feed = Map.of("a", a);
            assertArrayEquals(run(plain, feed).get("p").bytes(), run(blocked, feed).get("p").bytes(), t.toString());
        }
    }
}

package dev.lowbit.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelIOTest {
    @TempDir
    Path dir;

    private static Model tiny() {
        Graph g = new Graph("g");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 3));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, 3));
        g.setInitializer("b", Tensor.of(new float[] {1, 2, 3}, 3));
        g.addNode(new Node("Add", "add0", List.of("x", "b"), List.of("y")));
        Model m = new Model(g);
        m.opsets().put("", 17L);
        return m;
    }

    @Test
    void roundTripKeepsGraphAndInitializers() {
        Path f = dir.resolve("m.onnx");
        ModelIO.save(tiny(), f);
        Model back = ModelIO.load(f);
        assertEquals(17, back.opset());
        assertEquals("Add", back.graph().nodes().get(0).opType());
        assertArrayEquals(new float[] {1, 2, 3}, back.graph().initializer("b").floats());
        assertEquals("float[?,3]", back.graph().inputs().get(0).describe());
    }

    @Test
    void truncatedModelIsOneLineError() throws Exception {
        Path f = dir.resolve("m.onnx");
        ModelIO.save(tiny(), f);
        byte[] b = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.onnx");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length / 2));
        LowbitException e = assertThrows(LowbitException.class, () -> ModelIO.load(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void externalDataIsResolvedAndMissingFileNamed() throws Exception {
        var proto = ModelIO.toProto(tiny()).toBuilder();
        var g = proto.getGraphBuilder();
        var init = g.getInitializerBuilder(0);
        byte[] raw = init.getRawData().toByteArray();
        Files.write(dir.resolve("weights.bin"), raw);
        init.clearRawData().setDataLocation(dev.lowbit.onnx.proto.Onnx.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(dev.lowbit.onnx.proto.Onnx.StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"));
        Path f = dir.resolve("ext.onnx");
        Files.write(f, proto.build().toByteArray());
        assertArrayEquals(new float[] {1, 2, 3}, ModelIO.load(f).graph().initializer("b").floats());
        Files.delete(dir.resolve("weights.bin"));
        LowbitException e = assertThrows(LowbitException.class, () -> ModelIO.load(f));
        assertTrue(e.getMessage().contains("weights.bin"), e.getMessage());
    }
}

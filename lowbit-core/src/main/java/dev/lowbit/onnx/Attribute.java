package dev.lowbit.onnx;

import dev.lowbit.tensor.Tensor;
import java.util.List;

/**
 * One node attribute. {@code value} holds a {@link Long}, {@link Float}, {@link String},
 * {@link Tensor}, {@link Graph}, {@code long[]}, {@code float[]}, {@code List<String>},
 * {@code List<Tensor>} or {@code List<Graph>} according to {@code type}.
 */
public record Attribute(String name, Type type, Object value) {
    public enum Type { FLOAT, INT, STRING, TENSOR, GRAPH, FLOATS, INTS, STRINGS, TENSORS, GRAPHS }

    public static Attribute ofInt(String name, long v) {
        return new Attribute(name, Type.INT, v);
    }

    public static Attribute ofFloat(String name, float v) {
        return new Attribute(name, Type.FLOAT, v);
    }

    public static Attribute ofString(String name, String v) {
        return new Attribute(name, Type.STRING, v);
    }

    public static Attribute ofInts(String name, long... v) {
        return new Attribute(name, Type.INTS, v.clone());
    }

    public static Attribute ofFloats(String name, float... v) {
        return new Attribute(name, Type.FLOATS, v.clone());
    }

    public static Attribute ofTensor(String name, Tensor t) {
        return new Attribute(name, Type.TENSOR, t);
    }

    public static Attribute ofStrings(String name, List<String> v) {
        return new Attribute(name, Type.STRINGS, List.copyOf(v));
    }
}

package dev.lowbit.onnx;

import dev.lowbit.tensor.DType;
import java.util.List;

/**
 * A graph value's declared type and shape. {@code shape} is null when the rank is unknown; a
 * dimension is a {@link Dim} holding either a fixed size or a symbolic name.
 */
public record ValueInfo(String name, DType type, List<Dim> shape) {

    /** One dimension: {@code value >= 0} when fixed, otherwise {@code param} names it (may be empty). */
    public record Dim(long value, String param) {
        public static Dim of(long v) {
            return new Dim(v, null);
        }

        public static Dim symbolic(String param) {
            return new Dim(-1, param == null ? "" : param);
        }

        public boolean isFixed() {
            return value >= 0;
        }

        @Override
        public String toString() {
            return isFixed() ? Long.toString(value) : (param == null || param.isEmpty() ? "?" : param);
        }
    }

    public static ValueInfo of(String name, DType type, int... dims) {
        return new ValueInfo(name, type, java.util.Arrays.stream(dims).mapToObj(d -> d < 0 ? Dim.symbolic("") : Dim.of(d)).toList());
    }

    public boolean hasShape() {
        return shape != null;
    }

    /** The dims with -1 for unknown ones, or null when the rank is unknown. */
    public int[] dims() {
        if (shape == null) {
            return null;
        }
        int[] d = new int[shape.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (int) shape.get(i).value();
        }
        return d;
    }

    /** E.g. {@code float[N,1,28,28]}. */
    public String describe() {
        String t = type == null ? "?" : type.onnxName();
        if (shape == null) {
            return t + "[?]";
        }
        StringBuilder sb = new StringBuilder(t).append('[');
        for (int i = 0; i < shape.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(shape.get(i));
        }
        return sb.append(']').toString();
    }
}

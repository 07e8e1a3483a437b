package dev.lowbit.report;

import java.util.Collection;
import java.util.Map;

/**
 * Minimal JSON for {@code --json} output and reports: writes maps, lists, records, arrays, strings,
 * numbers and booleans (NaN and infinities as null); {@link #parse} reads JSON back into maps,
 * lists, strings, doubles, booleans and nulls.
 */
public final class Json {
    private Json() {
    }

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            quote(sb, s);
        } else if (v instanceof Double d && (d.isNaN() || d.isInfinite())) {
            sb.append("null");
        } else if (v instanceof Float f && (f.isNaN() || f.isInfinite())) {
            sb.append("null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "\n" : ",\n");
                first = false;
                pad(sb, indent + 1);
                quote(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                write(sb, e.getValue(), indent + 1);
            }
            if (!first) {
                sb.append('\n');
                pad(sb, indent);
            }
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                sb.append(first ? "" : ", ");
                first = false;
                write(sb, o, indent + 1);
            }
            sb.append(']');
        } else if (v instanceof double[] a) {
            write(sb, java.util.Arrays.stream(a).boxed().toList(), indent);
        } else if (v instanceof int[] a) {
            write(sb, java.util.Arrays.stream(a).boxed().toList(), indent);
        } else if (v instanceof long[] a) {
            write(sb, java.util.Arrays.stream(a).boxed().toList(), indent);
        } else if (v instanceof float[] a) {
            java.util.List<Float> l = new java.util.ArrayList<>(a.length);
            for (float f : a) {
                l.add(f);
            }
            write(sb, l, indent);
        } else if (v instanceof Record r) {
            java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
            for (var comp : r.getClass().getRecordComponents()) {
                try {
                    m.put(comp.getName(), comp.getAccessor().invoke(r));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            write(sb, m, indent);
        } else {
            quote(sb, v.toString());
        }
    }

    private static void pad(StringBuilder sb, int indent) {
        sb.append("  ".repeat(indent));
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Parses JSON text: objects become ordered maps, arrays lists, numbers doubles. */
    public static Object parse(String text) {
        JsonParser p = new JsonParser(text);
        Object v = p.value();
        p.end();
        return v;
    }
}

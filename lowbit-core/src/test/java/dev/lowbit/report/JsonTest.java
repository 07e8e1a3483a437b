package dev.lowbit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    record Row(String name, float[] values, long[] counts, double db) {
    }

    @Test
    void writeThenParseGivesTheSameValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", "quote \" backslash \\ tab \t newline \n control \u0001 </script> é");
        m.put("row", new Row("r", new float[] {1.5f, -0.1f, 3.4028235e38f, 1.4e-45f}, new long[] {0, 7, 1L << 40},
                Double.POSITIVE_INFINITY));
        m.put("list", List.of(1, 2.5, true, false));
        m.put("nothing", null);
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) Json.parse(Json.write(m));
        assertEquals(m.get("text"), back.get("text"));
        @SuppressWarnings("unchecked")
        Map<String, Object> row = (Map<String, Object>) back.get("row");
        List<?> values = (List<?>) row.get("values");
        float[] floats = new float[values.size()];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = ((Double) values.get(i)).floatValue();
        }
        assertEquals(Arrays.toString(new float[] {1.5f, -0.1f, 3.4028235e38f, 1.4e-45f}), Arrays.toString(floats));
        assertEquals(List.of(0.0, 7.0, (double) (1L << 40)), row.get("counts"));
        assertEquals(null, row.get("db"), "infinity is written as null");
        assertEquals(List.of(1.0, 2.5, true, false), back.get("list"));
        assertEquals(true, back.containsKey("nothing"));
        assertEquals("a\u00e9/", Json.parse("\"a\\u00e9\\/\""));
    }

    @Test
    void malformedJsonIsRejectedWithTheOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": [1, 2}"));
        assertEquals("expected ',' or ']' in array at offset 12", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1] x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"open"));
    }
}

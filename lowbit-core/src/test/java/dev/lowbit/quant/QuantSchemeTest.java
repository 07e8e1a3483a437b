package dev.lowbit.quant;

import dev.lowbit.LowbitException;
import dev.lowbit.tensor.DType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QuantSchemeTest {
    @Test
    void integerRanges() {
        assertEquals(-128, QuantScheme.symmetric(8, false).qmin());
        assertEquals(127, QuantScheme.symmetric(8, false).qmax());
        assertEquals(-127, QuantScheme.symmetric(8, true).qmin());
        assertEquals(0, QuantScheme.asymmetric(8, false).qmin());
        assertEquals(255, QuantScheme.asymmetric(8, false).qmax());
        assertEquals(-7, QuantScheme.symmetric(4, true).qmin());
        assertEquals(7, QuantScheme.symmetric(4, true).qmax());
        assertEquals(-2, QuantScheme.symmetric(2, false).qmin());
        assertEquals(65535, QuantScheme.asymmetric(16, false).qmax());
        assertEquals(-32768, QuantScheme.symmetric(16, false).qmin());
        assertEquals(DType.INT8, QuantScheme.symmetric(4, true).storageType());
        assertEquals(DType.UINT16, QuantScheme.asymmetric(12, false).storageType());
    }

    @Test
    void rejectsBadSchemes() {
        assertThrows(LowbitException.class, () -> QuantScheme.symmetric(1, false));
        assertThrows(LowbitException.class, () -> QuantScheme.symmetric(17, false));
        assertThrows(LowbitException.class,
                () -> new QuantScheme(8, false, false, true, QuantScheme.Granularity.PER_TENSOR, 0));
        assertThrows(LowbitException.class, () -> QuantScheme.parse("float8-sym"));
        assertThrows(LowbitException.class, () -> QuantScheme.parse("int8-wide"));
    }

    @Test
    void parseRoundTrips() {
        for (QuantScheme s : new QuantScheme[] {QuantScheme.symmetricPerChannel(8, true, 0),
                QuantScheme.asymmetric(8, false), QuantScheme.symmetric(4, false),
                QuantScheme.symmetricPerChannel(6, false, -1), QuantScheme.asymmetric(16, true)}) {
            assertEquals(s, QuantScheme.parse(s.toString()), s.toString());
        }
        assertEquals(QuantScheme.symmetricPerChannel(8, true, 1), QuantScheme.parse("int8-narrow-perchannel:1"));
    }
}

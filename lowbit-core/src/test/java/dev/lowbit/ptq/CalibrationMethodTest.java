package dev.lowbit.ptq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lowbit.LowbitException;
import org.junit.jupiter.api.Test;

class CalibrationMethodTest {
    @Test
    void parsesEveryMethodAndRejectsNonsense() {
        assertEquals(CalibrationMethod.percentile(99.999), CalibrationMethod.parse("percentile:99.999"));
        assertEquals(CalibrationMethod.percentile(99.99), CalibrationMethod.parse("percentile"));
        assertEquals(CalibrationMethod.MSE, CalibrationMethod.parse("MSE"));
        assertEquals(CalibrationMethod.MINMAX, CalibrationMethod.parse("max"));
        assertEquals(CalibrationMethod.BEST, CalibrationMethod.parse("best"));
        assertEquals("percentile:99.9", CalibrationMethod.percentile(99.9).toString());
        assertThrows(LowbitException.class, () -> CalibrationMethod.parse("median"));
        assertThrows(LowbitException.class, () -> CalibrationMethod.parse("percentile:200"));
    }
}

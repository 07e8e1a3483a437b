package dev.lowbit.calib;

import dev.lowbit.LowbitException;
import dev.lowbit.quant.QuantScheme;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrationMethodTest {
    @Test
    void parsesAndRuns() {
        assertEquals(CalibrationMethod.percentile(99.999), CalibrationMethod.parse("percentile:99.999"));
        assertEquals(CalibrationMethod.MSE, CalibrationMethod.parse("MSE"));
        assertThrows(LowbitException.class, () -> CalibrationMethod.parse("median"));
        assertThrows(LowbitException.class, () -> CalibrationMethod.parse("percentile:200"));
        float[] x = HistogramObserverTest.gaussian(20, 100_000, 0, 1);
        QuantScheme s8 = QuantScheme.symmetric(8, false);
        for (String m : new String[] {"max", "percentile:99.99", "entropy", "mse"}) {
            CalibrationMethod method = CalibrationMethod.parse(m);
            Observer o = method.newObserver(s8);
            o.observe(x, 0, x.length);
            Ranges r = method.choose(o, s8);
            assertTrue(r.amax(0) > 2.5 && r.amax(0) <= 5.5, m + " " + r);
        }
        assertInstanceOf(MinMaxObserver.class, CalibrationMethod.MAX.newObserver(QuantScheme.symmetricPerChannel(8, true, 0)));
        Observer asym = CalibrationMethod.MSE.newObserver(QuantScheme.asymmetric(8, false));
        assertInstanceOf(HistogramObserver.class, asym);
        assertEquals(false, ((HistogramObserver) asym).isAbsolute());
    }
}

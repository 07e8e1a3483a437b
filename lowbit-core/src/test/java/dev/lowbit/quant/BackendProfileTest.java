package dev.lowbit.quant;

import dev.lowbit.LowbitException;
import dev.lowbit.quant.BackendProfile.Role;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendProfileTest {
    @Test
    void defaultsAreAcceptedByTheirOwnProfile() {
        for (BackendProfile b : BackendProfile.values()) {
            b.validate(Role.WEIGHT, b.defaultWeightScheme(8, 0));
            b.validate(Role.ACTIVATION, b.defaultActivationScheme(8, true));
            b.validate(Role.ACTIVATION, b.defaultActivationScheme(8, false));
        }
    }

    @Test
    void defaults() {
        QuantScheme w = BackendProfile.TENSORRT.defaultWeightScheme(8, 0);
        assertEquals(-127, w.qmin());
        assertTrue(w.perChannel() && w.symmetric());
        assertEquals(QuantScheme.asymmetric(8, false), BackendProfile.ONNXRUNTIME.defaultActivationScheme(8, false));
        assertEquals(0, BackendProfile.OPENVINO.defaultActivationScheme(8, true).qmin());
        assertEquals(-128, BackendProfile.OPENVINO.defaultActivationScheme(8, false).qmin());
    }

    @Test
    void tensorrtRejectsAsymmetric() {
        LowbitException e = assertThrows(LowbitException.class,
                () -> BackendProfile.TENSORRT.validate(Role.ACTIVATION, QuantScheme.asymmetric(8, false)));
        assertTrue(e.getMessage().startsWith("tensorrt: activation scheme uint8-asym-pertensor is not supported"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(BackendProfile.TENSORRT.accepts(Role.ACTIVATION, QuantScheme.symmetricPerChannel(8, false, 1)));
        assertFalse(BackendProfile.OPENVINO.accepts(Role.WEIGHT, QuantScheme.asymmetric(8, true)));
        assertFalse(BackendProfile.ONNXRUNTIME.accepts(Role.ACTIVATION, QuantScheme.asymmetric(6, false)));
        assertTrue(BackendProfile.ONNXRUNTIME.accepts(Role.WEIGHT, QuantScheme.symmetricPerChannel(6, true, 0)));
        assertTrue(BackendProfile.GENERIC.accepts(Role.ACTIVATION, QuantScheme.asymmetric(3, true).withAxis(1)));
        assertEquals(BackendProfile.TENSORRT, BackendProfile.fromName("TensorRT"));
        assertThrows(LowbitException.class, () -> BackendProfile.fromName("tflite"));
    }
}

package dev.lowbit.ptq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.quant.BackendProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code firstLastBits}: the first and last quantized layers keep more bits than the rest. */
class FirstLastBitsTest {
    @Test
    void firstAndLastLayersAndTheirInputsGetTheirOwnBits() {
        var m = TinyNets.cnn(3, false);
        var x = TinyNets.images(4, 64);
        var data = TinyNets.dataset(x, TinyNets.selfLabels(m, x));
        PtqConfig c = PtqConfig.builder().weightBits(4).activationBits(4).backend(BackendProfile.GENERIC)
                .method(CalibrationMethod.parse("minmax")).calibSize(64).firstLastBits(8).build();
        PtqResult r = new PostTrainingQuantizer(c).quantize(m, data);
        Map<String, Integer> weightBits = new java.util.HashMap<>();
        r.weights().forEach((k, p) -> weightBits.put(k, p.scheme().bits()));
        assertEquals(Map.of("w1", 8, "w2", 4, "w3", 4, "fw", 8), weightBits);
        assertEquals(8, r.activations().get("x").scheme().bits());
        assertEquals(4, r.activations().get("r1").scheme().bits());
        assertEquals(4, r.activations().get("r2").scheme().bits());
        // The fc reads Flatten(GAP(r3)), which shares r3's parameters: r3 is the last layer's input.
        assertEquals(8, r.activations().get(r.plan().paramsSource("f")).scheme().bits());
        // Without the option every layer is 4-bit.
        PtqResult plain = new PostTrainingQuantizer(c.toBuilder().firstLastBits(0).build()).quantize(m, data);
        plain.weights().values().forEach(p -> assertEquals(4, p.scheme().bits()));
        plain.activations().values().forEach(p -> assertEquals(4, p.scheme().bits()));
    }
}

package dev.lowbit.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void topKCountsTiesTowardLowerIndex() {
        Accuracy a = new Accuracy();
        float[] logits = {
            0, 5, 1, 0, 0, 0,   // argmax 1
            3, 3, 0, 0, 0, 0,   // tie: argmax 0
            1, 2, 3, 4, 5, 6};  // label 0 is 6th -> not top-5
        a.add(logits, 6, new long[] {1, 1, 0});
        assertEquals(100.0 / 3, a.top1(), 1e-9);
        assertEquals(200.0 / 3, a.top5(), 1e-9);
    }

    @Test
    void sqnrAndCosineMatchTheirFormulas() {
        Agreement g = new Agreement();
        float[] ref = {1, 2, 3, 4};
        float[] test = {1.1f, 2, 3, 3.9f};
        g.add(ref, test, 2);
        double signal = 1 + 4 + 9 + 16;
        double noise = 0.01 + 0.01;
        assertEquals(10 * Math.log10(signal / noise), g.sqnrDb(), 1e-3);
        double dot = 1.1 + 4 + 9 + 4 * 3.9;
        double cos = dot / Math.sqrt(signal * (1.21 + 4 + 9 + 3.9 * 3.9));
        assertEquals(cos, g.cosine(), 1e-6);
        assertEquals(100.0, g.top1Agreement(), 1e-9);
        assertEquals(0.1, g.maxAbsError(), 1e-6);
    }

    @Test
    void maskIouIsIntersectionOverUnionPerSample() {
        Agreement g = new Agreement();
        // sample 0: ref {1,1,0,0}, test {1,0,1,0} at 0.5 -> IoU 1/3; sample 1: both empty -> 1
        float[] ref = {0.9f, 0.6f, 0.1f, 0.2f, 0.1f, 0.1f, 0.1f, 0.1f};
        float[] test = {0.8f, 0.4f, 0.7f, 0.2f, 0.2f, 0.3f, 0.1f, 0.0f};
        g.addMasks(ref, test, 2, 0.5);
        assertEquals((1.0 / 3 + 1) / 2, g.meanMaskIou(), 1e-12);
    }

    @Test
    void greedyCtcMergesRepeatsAndDropsBlanks() {
        // 6 steps, 3 classes; argmax per step: 1 1 0 1 2 2 -> decode [1, 1, 2]
        float[] s = {0, 5, 1, 0, 5, 1, 9, 0, 0, 0, 3, 1, 0, 0, 4, 0, 1, 2};
        assertArrayEquals(new int[] {1, 1, 2}, OutputKind.greedyCtc(s, 0, 6, 3));
        Agreement g = new Agreement();
        float[] t = s.clone();
        t[7] = 10; // step 2 becomes class 1: 1 1 1 1 2 2 -> [1, 2], a different decode
        g.addDecodes(s, s, 1, 6, 3);
        g.addDecodes(s, t, 1, 6, 3);
        assertEquals(50.0, g.decodeAgreement(), 1e-12);
    }
}

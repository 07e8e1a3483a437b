package dev.lowbit.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.maven.QualityGate.Measurement;
import java.util.List;
import org.junit.jupiter.api.Test;

class QualityGateTest {
    private static Measurement classifier(double fp32, double int8) {
        return new Measurement(1000, "java", fp32, int8, "logits", 0.999646, "logits", 31.49);
    }

    private static Measurement embedder(double cosine, double sqnr) {
        return new Measurement(200, "onnxruntime", null, null, "embedding", cosine, "embedding", sqnr);
    }

    @Test
    void aTop1DropTooLargeFailsWithOneLineGivingBothAccuracies() {
        List<String> misses = new QualityGate(0.1, null, null).misses(classifier(92.8, 91.9));
        assertEquals("quality gate missed: top-1 drop 0.90 points > maxTop1Drop 0.10 (fp32 92.80 %, int8 91.90 %, 1000 images)",
                QualityGate.failure(misses));
    }

    @Test
    void aDropEqualToTheLimitPassesDespiteDoubleRounding() {
        assertTrue(new QualityGate(0.9, null, null).misses(classifier(92.9, 92.0)).isEmpty());
        assertTrue(new QualityGate(0.0, null, null).misses(classifier(92.0, 92.0)).isEmpty());
        assertTrue(new QualityGate(0.0, null, null).misses(classifier(92.0, 92.5)).isEmpty(), "int8 better than fp32");
    }

    @Test
    void cosineAndSqnrMissesNameTheWorstOutputAndShowTheThresholdAsWritten() {
        List<String> misses = new QualityGate(null, 0.99999999, 40.0).misses(embedder(0.99999, 35.123));
        assertEquals(List.of("cosine 0.99999000 < minCosine 0.99999999 (output embedding, 200 samples)",
                "SQNR 35.12 dB < minSqnr 40.00 dB (output embedding, 200 samples)"), misses);
        assertTrue(new QualityGate(null, 0.999, 30.0).misses(embedder(0.9995, 31)).isEmpty());
    }

    @Test
    void everyMissIsReportedInTheSameLine() {
        String line = QualityGate.failure(new QualityGate(0.5, 0.9999, null).misses(classifier(92.8, 91.9)));
        assertEquals("quality gate missed: top-1 drop 0.90 points > maxTop1Drop 0.50 (fp32 92.80 %, int8 91.90 %, 1000 images);"
                + " cosine 0.999646 < minCosine 0.9999 (output logits, 1000 images)", line);
    }

    @Test
    void top1NeedsLabelledData() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new QualityGate(1.0, null, null).misses(embedder(0.99, 30)));
        assertTrue(e.getMessage().startsWith("maxTop1Drop needs labelled evalData"), e.getMessage());
    }

    @Test
    void thresholdsNoModelCouldMeetAreBadInput() {
        assertEquals("maxTop1Drop must be between 0 and 100 points, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new QualityGate(-1.0, null, null)).getMessage());
        assertEquals("minCosine must be between -1 and 1, got 1.5",
                assertThrows(IllegalArgumentException.class, () -> new QualityGate(null, 1.5, null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new QualityGate(null, null, Double.NaN));
    }

    @Test
    void nothingIsMeasuredWithoutThresholds() {
        assertFalse(new QualityGate(null, null, null).isSet());
        assertTrue(new QualityGate(null, null, 20.0).isSet());
        assertFalse(new QualityGate(null, 0.99, null).needsTop1());
        assertTrue(new QualityGate(0.5, null, null).needsTop1());
    }

    @Test
    void theLogLineHasEveryNumber() {
        assertEquals("quality on 1000 images (java): top-1 fp32 92.80 %, int8 91.90 % (drop 0.90 points);"
                + " cosine 0.999646 (logits), SQNR 31.49 dB (logits)", QualityGate.describe(classifier(92.8, 91.9)));
        assertEquals("quality on 200 samples (onnxruntime): cosine 0.999900 (embedding), SQNR 35.00 dB (embedding)",
                QualityGate.describe(embedder(0.9999, 35)));
    }
}

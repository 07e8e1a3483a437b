package dev.lowbit.ptq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Model;
import dev.lowbit.tensor.Tensor;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** CLE and bias correction as steps of a real post-training quantization run. */
public class DfqPipelineTest {
    /** Seeded Gaussian images of shape [3, 6, 6], unlabelled. */
    static final class RandomImages extends Dataset {
        private final long seed;

        RandomImages(int n, long seed) {
            super("random", n, DatasetOptions.defaults());
            this.seed = seed;
        }

        @Override
        public int[] sampleShape() {
            return new int[] {3, 6, 6};
        }

        @Override
        public boolean hasLabels() {
            return false;
        }

        @Override
        protected void readSamples(int[] indices, int n, float[] dst, long[] labels) {
            int per = 3 * 36;
            for (int s = 0; s < n; s++) {
                Random r = new Random(seed * 1_000_003L + indices[s]);
                for (int i = 0; i < per; i++) {
                    dst[s * per + i] = (float) r.nextGaussian();
                }
            }
        }
    }

    @Test
    void stepsRunInTheirPhasesAndImprovePerTensorLowBitOutputs() {
        Model m = CrossLayerEqualizationTest.chainModel(11, true);
        PtqConfig cfg = PtqConfig.builder().perChannel(false).weightBits(4).calibSize(128).build();
        BatchNormStats stats = BatchNormStats.none();
        PtqResult plain = new PostTrainingQuantizer(cfg).quantize(m, new RandomImages(128, 1));
        PtqResult dfq = new PostTrainingQuantizer(cfg)
                .step(new CrossLayerEqualization(CrossLayerEqualization.Options.defaults(), stats))
                .step(new BiasCorrection(BiasCorrection.Mode.EMPIRICAL, stats))
                .quantize(m, new RandomImages(128, 1));
        assertTrue(dfq.notes().get("cle").startsWith("3 pairs"), dfq.notes().toString());
        assertTrue(dfq.notes().get("bias-correction").contains("5 layers corrected"), dfq.notes().toString());
        assertTrue(dfq.prepared().graph().nodes().stream().noneMatch(n -> n.opType().equals("Clip")));
        // Against the float model (with ReLU6 -> ReLU, which this input barely exercises), DFQ's output is closer.
        Tensor x = new RandomImages(64, 2).readAll().images();
        Tensor ref = new Executor(dfq.prepared()).run(Map.of("x", x)).get("y");
        double errPlain = mse(ref, new Executor(plain.quantized()).run(Map.of("x", x)).get("y"));
        double errDfq = mse(ref, new Executor(dfq.quantized()).run(Map.of("x", x)).get("y"));
        assertTrue(errDfq < 0.5 * errPlain, "per-tensor int4: plain " + errPlain + ", CLE + bias correction " + errDfq);
        assertEquals(plain.plan().weights().size(), dfq.plan().weights().size());
    }

    private static double mse(Tensor a, Tensor b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            double d = a.getDouble(i) - b.getDouble(i);
            s += d * d;
        }
        return s / a.size();
    }
}

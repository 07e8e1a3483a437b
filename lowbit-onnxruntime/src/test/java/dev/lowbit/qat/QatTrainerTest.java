package dev.lowbit.qat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.data.Batch;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.Engines;
import dev.lowbit.onnx.Attribute;
import dev.lowbit.onnx.Graph;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.quant.BackendProfile;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training a tiny graph-IR classifier in float and QAT modes, determinism, export, and the LSQ gradient. */
public class QatTrainerTest {
    @TempDir
    Path dir;

    /** Three classes of 6×6 images: a bright top-left, centre or bottom-right square over Gaussian noise. */
    static final class Squares extends Dataset {
        private final long seed;

        Squares(int n, long seed) {
            super("squares", n, DatasetOptions.defaults());
            this.seed = seed;
        }

        @Override
        public int[] sampleShape() {
            return new int[] {1, 6, 6};
        }

        @Override
        public boolean hasLabels() {
            return true;
        }

        @Override
        protected void readSamples(int[] indices, int n, float[] dst, long[] labels) {
            for (int s = 0; s < n; s++) {
                Random r = new Random(seed * 1_000_003L + indices[s]);
                int label = indices[s] % 3;
                for (int y = 0; y < 6; y++) {
                    for (int x = 0; x < 6; x++) {
                        int corner = label * 2;
                        boolean on = y >= corner && y < corner + 2 && x >= corner && x < corner + 2;
                        dst[s * 36 + y * 6 + x] = (float) (0.5 * r.nextGaussian() + (on ? 2 : 0));
                    }
                }
                if (labels != null) {
                    labels[s] = label;
                }
            }
        }
    }

    static Model tinyModel() {
        Random r = new Random(7);
        Graph g = new Graph("tiny");
        g.inputs().add(ValueInfo.of("x", DType.FLOAT, -1, 1, 6, 6));
        g.outputs().add(ValueInfo.of("y", DType.FLOAT, -1, 3));
        g.setInitializer("w1", gaussian(r, 0.4, 4, 1, 3, 3));
        g.setInitializer("b1", gaussian(r, 0.1, 4));
        g.setInitializer("w2", gaussian(r, 0.1, 3, 144));
        g.setInitializer("b2", gaussian(r, 0.1, 3));
        g.addNode(new Node("Conv", "conv", List.of("x", "w1", "b1"), List.of("h"))
                .set(Attribute.ofInts("pads", 1, 1, 1, 1)));
        g.addNode(new Node("Relu", "relu", List.of("h"), List.of("a")));
        g.addNode(new Node("Flatten", "flat", List.of("a"), List.of("f")));
        g.addNode(new Node("Gemm", "fc", List.of("f", "w2", "b2"), List.of("y")).set(Attribute.ofInt("transB", 1)));
        Model m = new Model(g);
        m.opsets().put("", 13L);
        return m;
    }

    private static Tensor gaussian(Random r, double std, int... shape) {
        float[] d = new float[dev.lowbit.tensor.Shapes.size(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (std * r.nextGaussian());
        }
        return Tensor.of(d, shape);
    }

    private TrainConfig config(String mode, String quantizer, int bits, int maxSteps, Path ckpt) {
        return config(mode, quantizer, bits, maxSteps, 1, "ce", ckpt);
    }

    private TrainConfig config(String mode, String quantizer, int bits, int maxSteps, int epochs, String loss, Path ckpt) {
        return config(mode, quantizer, bits, maxSteps, epochs, loss, 0, ckpt);
    }

    private TrainConfig config(String mode, String quantizer, int bits, int maxSteps, int epochs, String loss,
                               int freezeBn, Path ckpt) {
        return config(mode, quantizer, bits, maxSteps, epochs, loss, freezeBn, Integer.MAX_VALUE, "pretrained", ckpt);
    }

    private TrainConfig config(String mode, String quantizer, int bits, int maxSteps, int epochs, String loss,
                               int freezeBn, int observerOff, String init, Path ckpt) {
        return new TrainConfig(Path.of("tiny.onnx"), Path.of("train"), Path.of("test"), mode, BackendProfile.GENERIC,
                bits, bits, true, quantizer, "minmax", 64, "adamw", 0.01, 0.9, 1e-4, "cosine", 0, epochs, maxSteps, 16, 3, 0, 0,
                1, true, ckpt, ckpt.resolve("final.onnx"), freezeBn, observerOff, quantizer.equals("lsq") ? "lsq" : "minmax", loss, 0.5, 2, 1e-4, init, 0, 1, "minmax",
                dev.lowbit.data.PreprocessSettings.NONE);
    }

    private QatTrainer trainer(TrainConfig c) {
        return trainer(c, tinyModel());
    }

    private QatTrainer trainer(TrainConfig c, Model m) {
        Batch train = new Squares(96, 1).readAll();
        Batch test = new Squares(48, 2).readAll();
        return QatTrainer.create(c, m, new Squares(64, 1), train, test);
    }

    /** Conv → BatchNormalization → Relu → Flatten → Gemm, with non-trivial BN statistics. */
    static Model bnModel() {
        Model m = tinyModel();
        Graph g = m.graph();
        Random r = new Random(9);
        g.setInitializer("gamma", Tensor.of(new float[] {1.5f, 0.7f, -0.9f, 1.1f}, 4));
        g.setInitializer("beta", gaussian(r, 0.2, 4));
        g.setInitializer("mean", gaussian(r, 0.3, 4));
        g.setInitializer("var", Tensor.of(new float[] {0.5f, 2f, 1.2f, 0.8f}, 4));
        Node conv = g.nodes().get(0);
        conv.outputs().set(0, "h0");
        g.insertAfter(conv, new Node("BatchNormalization", "bn", List.of("h0", "gamma", "beta", "mean", "var"), List.of("h")));
        return m;
    }

    private double[] losses(QatTrainer t, int steps) {
        Batch b = new Squares(32, 5).readAll();
        double[] l = new double[steps];
        for (int i = 0; i < steps; i++) {
            l[i] = t.step(b.images(), b.labels(), 0.01)[0];
        }
        return l;
    }

    @Test
    void floatAndQatTrainingLowerTheLoss() {
        for (String[] mq : new String[][] {{"float", "fixed"}, {"qat", "fixed"}, {"qat", "lsq"}, {"qat", "pact"}, {"qat", "ema"}}) {
            double[] l = losses(trainer(config(mq[0], mq[1], 4, 0, dir.resolve(mq[0] + mq[1]))), 8);
            assertTrue(l[7] < 0.7 * l[0], mq[0] + "/" + mq[1] + " losses " + java.util.Arrays.toString(l));
        }
    }

    @Test
    void sameSeedGivesIdenticalWeightsAndLsqMovesScales() {
        QatTrainer a = trainer(config("qat", "lsq", 4, 4, dir.resolve("a")));
        QatTrainer b = trainer(config("qat", "lsq", 4, 4, dir.resolve("b")));
        Map<String, Float> before = a.activationScales();
        a.train(QatTrainer.Listener.NONE);
        b.train(QatTrainer.Listener.NONE);
        for (String p : a.parameters().keySet()) {
            assertArrayEquals(a.parameters().get(p).floats(), b.parameters().get(p).floats(), p);
        }
        assertEquals(a.activationScales(), b.activationScales());
        assertTrue(!before.equals(a.activationScales()), "LSQ should move the step sizes: " + before);
        // Resuming from the checkpoint restores the same state.
        QatTrainer c = trainer(config("qat", "lsq", 4, 4, dir.resolve("c")))
                .resume(ModelIO.load(dir.resolve("a").resolve("last.onnx")));
        assertEquals(1, c.epochsDone());
        assertArrayEquals(a.parameters().get("w1").floats(), c.parameters().get("w1").floats());
        assertEquals(a.activationScales(), c.activationScales());
    }

    @Test
    void exportedQdqModelAgreesWithOnnxRuntime() throws Exception {
        QatTrainer t = trainer(config("qat", "lsq", 4, 3, dir.resolve("e")));
        t.train(QatTrainer.Listener.NONE);
        Path out = dir.resolve("e").resolve("final.onnx");
        Batch b = new Squares(48, 9).readAll();
        int[] correct = new int[2];
        float[][] logits = new float[2][];
        int k = 0;
        for (String engine : List.of("java", "onnxruntime")) {
            try (Engine e = Engines.open(out, engine, 1)) {
                Tensor y = e.run(Map.of("x", b.images())).get("y");
                logits[k] = y.floats();
                correct[k++] = Evaluation.correct(y, b.labels());
            }
        }
        assertEquals(correct[0], correct[1]);
        assertArrayEquals(logits[0], logits[1], 1e-4f);
        // The training graph computes what the export computes (biases included: int32 steps at 4 bits are coarse).
        assertEquals(Evaluation.top1(t.export(), b, 0), correct[0] / 48.0, 1e-12);
        assertArrayEquals(logits[1], t.predict(b.images()).floats(), 1e-4f);
    }

    @Test
    void lsqStepSizeGradientMatchesFiniteDifferences() {
        Random r = new Random(11);
        int n = 200, qmin = 0, qmax = 15, z = 3;
        float s0 = 0.25f;
        float[] x = new float[n], g = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (2 * r.nextGaussian());
            g[i] = (float) r.nextGaussian();
        }
        double analytic = FakeQuant.lsqScaleGradient(x, g, s0, z, qmin, qmax, n) * Math.sqrt((double) n * (qmax - z));
        // LSQ's surrogate: round(v) is v plus the rounding offset frozen at s0 (the straight-through estimator).
        double h = 1e-4;
        double fd = (surrogate(x, g, s0 + h, s0, z, qmin, qmax) - surrogate(x, g, s0 - h, s0, z, qmin, qmax)) / (2 * h);
        assertEquals(fd, analytic, 1e-6 * Math.max(1, Math.abs(fd)));
        // At s0 the surrogate is the quantizer itself.
        for (int i = 0; i < n; i++) {
            double q = Math.max(qmin, Math.min(qmax, Math.rint(x[i] / s0) + z));
            assertEquals((q - z) * s0, FakeQuant.lsqForward(x[i], s0, z, qmin, qmax), 1e-6);
        }
    }

    private static double surrogate(float[] x, float[] g, double s, double s0, int z, int qmin, int qmax) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double v0 = x[i] / s0, r0 = Math.rint(v0);
            double v = x[i] / s, q = r0 + z;
            double y = q < qmin ? (qmin - z) * s : q > qmax ? (qmax - z) * s : (v + (r0 - v0)) * s;
            sum += g[i] * y;
        }
        return sum;
    }

    @Test
    void resumedRunEqualsUninterruptedRun() {
        for (String run : List.of("lsq/ce", "lsq/kd", "ema/ce")) {
            String quantizer = run.split("/")[0], loss = run.split("/")[1], tag = quantizer + loss;
            QatTrainer whole = trainer(config("qat", quantizer, 4, 3, 2, loss, dir.resolve("whole" + tag)));
            whole.train(QatTrainer.Listener.NONE);
            Path half = dir.resolve("half" + tag);
            QatTrainer first = trainer(config("qat", quantizer, 4, 3, 2, loss, half));
            try { // a run killed right after epoch 1's checkpoint
                first.train(new QatTrainer.Listener() {
                    @Override
                    public void epochEnd(QatTrainer.EpochResult r) {
                        throw new IllegalStateException("killed");
                    }
                });
            } catch (IllegalStateException expected) {
                assertEquals(1, first.epochsDone());
            }
            QatTrainer resumed = trainer(config("qat", quantizer, 4, 3, 2, loss, half))
                    .resume(ModelIO.load(half.resolve("last.onnx")));
            resumed.train(QatTrainer.Listener.NONE);
            for (String p : whole.parameters().keySet()) {
                assertArrayEquals(whole.parameters().get(p).floats(), resumed.parameters().get(p).floats(), run + " " + p);
            }
            assertEquals(whole.activationScales(), resumed.activationScales());
            assertArrayEquals(whole.weightScales().get("w1"), resumed.weightScales().get("w1"), run);
        }
    }

    @Test
    void learnedWeightStepGradientMatchesFiniteDifferences() {
        Random r = new Random(5);
        Tensor w = gaussian(r, 1, 3, 2, 4);
        WeightQuantizer q = new WeightQuantizer(dev.lowbit.quant.QuantScheme.symmetricPerChannel(4, true, 0), true, w);
        float[] s0 = q.scales().clone();
        for (int c = 0; c < 3; c++) {
            q.scales()[c] = s0[c] * 0.8f; // some weights now clip
        }
        float[] steps = q.scales().clone();
        float[] g = new float[w.size()];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        float[] gw = g.clone();
        float[] ds = q.backward(w, gw);
        int per = w.size() / 3;
        for (int c = 0; c < 3; c++) {
            double h = 1e-4, fd = 0;
            for (int i = c * per; i < (c + 1) * per; i++) {
                double v0 = w.floats()[i] / steps[c], r0 = Math.rint(v0);
                fd += g[i] * (lsqWeight(w.floats()[i], steps[c] + h, r0 - v0) - lsqWeight(w.floats()[i], steps[c] - h, r0 - v0)) / (2 * h);
            }
            assertEquals(fd / Math.sqrt(per * 7.0), ds[c], 1e-4 * Math.max(1, Math.abs(fd)), "channel " + c);
            for (int i = c * per; i < (c + 1) * per; i++) { // STE: identity inside the grid, zero where clipped
                boolean inside = Math.abs(Math.rint(w.floats()[i] / steps[c])) <= 7;
                assertEquals(inside ? g[i] : 0f, gw[i], 0f);
            }
        }
    }

    private static double lsqWeight(float x, double s, double frozenOffset) {
        double v = x / s, q = Math.rint(x / (s));
        return q < -7 ? -7 * s : q > 7 ? 7 * s : (v + frozenOffset) * s;
    }

    @Test
    void distillationGradientMatchesFiniteDifferences() {
        Random r = new Random(3);
        Tensor student = gaussian(r, 2, 4, 5), teacher = gaussian(r, 2, 4, 5);
        Tensor labels = Tensor.of(new long[] {0, 3, 4, 1}, 4);
        dev.lowbit.grad.Losses.Loss l = dev.lowbit.grad.Losses.distillation(student, teacher, labels, 0.7, 3);
        for (int i = 0; i < student.size(); i++) {
            float[] p = student.floats().clone(), m = student.floats().clone();
            p[i] += 1e-3f;
            m[i] -= 1e-3f;
            double fd = (dev.lowbit.grad.Losses.distillation(Tensor.of(p, 4, 5), teacher, labels, 0.7, 3).value()
                    - dev.lowbit.grad.Losses.distillation(Tensor.of(m, 4, 5), teacher, labels, 0.7, 3).value()) / 2e-3;
            assertEquals(fd, l.gradient().floats()[i], 1e-3);
        }
        // Identical logits: the KL term is zero and only (1 − α)·CE remains.
        double ce = dev.lowbit.grad.Losses.softmaxCrossEntropy(teacher, labels).value();
        assertEquals(0.3 * ce, dev.lowbit.grad.Losses.distillation(teacher, teacher, labels, 0.7, 3).value(), 1e-9);
    }

    @Test
    void batchNormTrainingGradientsMatchFiniteDifferences() {
        QatTrainer t = trainer(config("float", "fixed", 8, 2, 1, "ce", 1, dir.resolve("bnfd")), bnModel());
        t.batchNormTraining(true);
        Batch b = new Squares(8, 4).readAll();
        QatTrainer.StepGradients g = t.gradients(b.images(), b.labels());
        Map<String, Tensor> values = t.tapeParameters();
        for (String name : List.of("w1", "gamma", "beta", "b2")) {
            float[] v = values.get(name).floats();
            for (int i = 0; i < Math.min(v.length, 6); i++) {
                float keep = v[i];
                double h = 2e-3;
                v[i] = (float) (keep + h);
                double up = t.gradients(b.images(), b.labels()).loss();
                v[i] = (float) (keep - h);
                double down = t.gradients(b.images(), b.labels()).loss();
                v[i] = keep;
                double fd = (up - down) / (2 * h);
                assertEquals(fd, g.params().get(name).floats()[i], 2e-3 + 0.02 * Math.abs(fd), name + "[" + i + "]");
            }
        }
    }

    @Test
    void batchNormIsUpdatedThenFrozenAndExportMatchesTraining() throws Exception {
        QatTrainer t = trainer(config("qat", "lsq", 4, 4, 2, "ce", 1, dir.resolve("bnq")), bnModel());
        float[] before = t.tapeParameters().get("mean").floats().clone();
        List<QatTrainer.EpochResult> r = t.train(QatTrainer.Listener.NONE);
        assertEquals(2, r.size());
        float[] after = t.tapeParameters().get("mean").floats().clone();
        assertTrue(!java.util.Arrays.equals(before, after), "running mean must move while BN trains");
        // Frozen (epoch 2 onward): the training graph computes exactly what the exported QDQ model computes.
        Batch b = new Squares(48, 9).readAll();
        t.batchNormTraining(false);
        float[] train = t.predict(b.images()).floats();
        try (Engine e = Engines.open(dir.resolve("bnq").resolve("final.onnx"), "onnxruntime", 1)) {
            assertArrayEquals(train, e.run(Map.of("x", b.images())).get("y").floats(), 1e-4f);
        }
        assertArrayEquals(after, t.tapeParameters().get("mean").floats(), 0f); // epoch 2 left it frozen
        // A resumed run restores the unfolded weights and statistics.
        QatTrainer c = trainer(config("qat", "lsq", 4, 4, 2, "ce", 1, dir.resolve("bnq2")), bnModel())
                .resume(ModelIO.load(dir.resolve("bnq").resolve("last.onnx")));
        for (String p : List.of("w1", "gamma", "beta", "mean", "var")) {
            assertArrayEquals(t.tapeParameters().get(p).floats(), c.tapeParameters().get(p).floats(), p);
        }
    }

    @Test
    void frozenFloatBatchNormEqualsFoldedModel() {
        QatTrainer t = trainer(config("float", "fixed", 8, 2, 1, "ce", 1, dir.resolve("bnff")), bnModel());
        Batch b = new Squares(8, 4).readAll();
        t.batchNormTraining(false);
        float[] train = t.predict(b.images()).floats();
        float[] folded = new dev.lowbit.exec.Executor(t.currentFloatModel()).run(Map.of("x", b.images())).get("y").floats();
        assertArrayEquals(folded, train, 1e-4f);
        float[] orig = new dev.lowbit.exec.Executor(bnModel()).run(Map.of("x", b.images())).get("y").floats();
        assertArrayEquals(orig, train, 1e-4f);
    }

    @Test
    void pactGradientIsTheClippedMassTimesTheLevelCount() {
        float[] x = {-3f, -0.1f, 0.2f, 0.95f, 1.0f, 2.5f};
        float[] g = {1f, 2f, 3f, 4f, 5f, 6f};
        // s = 0.25, z = 4, grid [0, 15]: levels cover [-1, 2.75]; 2.5 inside, -3 below.
        assertEquals(1f * (0 - 4), FakeQuant.pactScaleGradient(x, g, 0.25f, 4, 0, 15), 1e-9);
        // uint grid with z = 0 (after ReLU): α = 15·s = 0.9 clips 0.95, 1.0 and 2.5.
        assertEquals((4 + 5 + 6) * 15.0, FakeQuant.pactScaleGradient(x, g, 0.06f, 0, 0, 15), 1e-6);
    }

    @Test
    void movingAverageObserversFollowTheDataUntilSwitchedOff() {
        QatTrainer on = trainer(config("qat", "ema", 4, 6, 1, "ce", dir.resolve("ema")));
        Map<String, Float> before = on.activationScales();
        on.train(QatTrainer.Listener.NONE);
        assertTrue(!before.equals(on.activationScales()), "observers should move ranges: " + before);
        // observer_off_epoch 0: the calibrated ranges stay.
        TrainConfig off = config("qat", "ema", 4, 6, 1, "ce", 0, 0, "pretrained", dir.resolve("emaoff"));
        QatTrainer frozen = trainer(off);
        Map<String, Float> start = frozen.activationScales();
        frozen.train(QatTrainer.Listener.NONE);
        assertEquals(start, frozen.activationScales());
    }

    @Test
    void floatTrainingFromScratchLearnsWithLiveBatchNorm() {
        TrainConfig scratch = config("float", "fixed", 8, 0, 6, "ce", 6, Integer.MAX_VALUE, "random", dir.resolve("scratch"));
        QatTrainer t = trainer(scratch, bnModel());
        float[] w0 = t.tapeParameters().get("w1").floats().clone();
        assertArrayEquals(new float[] {1, 1, 1, 1}, t.tapeParameters().get("gamma").floats());
        List<QatTrainer.EpochResult> r = t.train(QatTrainer.Listener.NONE);
        double first = r.get(0).floatTop1(), last = r.get(r.size() - 1).floatTop1();
        assertTrue(last >= 0.9 && last >= first, "from-scratch top-1 per epoch: " + r.stream().map(e -> e.floatTop1()).toList());
        // Same seed, same start.
        assertArrayEquals(w0, trainer(scratch, bnModel()).tapeParameters().get("w1").floats());
    }
}

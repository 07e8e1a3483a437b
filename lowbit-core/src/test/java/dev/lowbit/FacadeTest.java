package dev.lowbit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.data.DataSettings;
import dev.lowbit.data.Dataset;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.onnx.Node;
import dev.lowbit.ptq.BatchNormStats;
import dev.lowbit.ptq.BiasCorrection;
import dev.lowbit.ptq.CrossLayerEqualization;
import dev.lowbit.ptq.PostTrainingQuantizer;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.qat.TrainConfig;
import dev.lowbit.quant.BackendProfile;
import dev.lowbit.testutil.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The façade ({@code dev.lowbit}) against the internals it stands for: the same bytes as the PTQ
 * pipeline, BatchNormalization statistics captured for the steps that need them, one-line errors
 * for bad values, fractions in results, and a training config the builder and YAML agree on.
 */
class FacadeTest {
    private static final Path RESNET = TestResources.of("models/resnet_fmnist.onnx");
    private static final Path CALIB = TestResources.of("fmnist/calib512-images-idx3-ubyte.gz");
    private static final Path TEST = TestResources.of("fmnist/t1000-images-idx3-ubyte.gz");

    @TempDir
    Path dir;

    private QuantizeOptions.Builder options(String out) {
        return QuantizeOptions.builder().calibrationData(DataSource.of(CALIB)).calibrationSamples(64)
                .output(dir.resolve(out));
    }

    @Test
    void sameOptionsSameBytesAsThePtqPipeline() throws IOException {
        OnnxModel model = Lowbit.load(RESNET);
        QuantizeResult a = model.quantize(options("a.onnx").build());
        QuantizeResult b = model.quantize(options("b.onnx").build());
        assertArrayEquals(Files.readAllBytes(a.output()), Files.readAllBytes(b.output()));
        assertEquals(64, a.calibrationSamples(), "the calibration size is set once, in the options");
        assertEquals(Files.size(a.output()), a.outputBytes());
        assertEquals(Files.size(RESNET), a.inputBytes());

        Model internal = ModelIO.load(RESNET);
        PtqConfig config = PtqConfig.builder().calibSize(64).build();
        Path c = dir.resolve("c.onnx");
        try (Dataset calib = DataSettings.NONE.open(CALIB, internal, 64)) {
            ModelIO.save(new PostTrainingQuantizer(config).quantize(internal, calib).quantized(), c);
        }
        assertArrayEquals(Files.readAllBytes(c), Files.readAllBytes(a.output()));
        assertEquals(CalibrationMethod.MINMAX, a.calibrationMethod());
        assertTrue(a.quality().orElseThrow().outputs().get(0).meanSampleCosine() > 0.99);
    }

    @Test
    void equalizationAndAnalyticBiasCorrectionReadTheBatchNormStatistics() throws IOException {
        QuantizeResult r = Lowbit.load(RESNET).quantize(options("dfq.onnx").perChannel(false)
                .crossLayerEqualization(true).biasCorrection(BiasCorrectionMode.ANALYTIC).build());
        Model internal = ModelIO.load(RESNET);
        byte[] withStats = dfq(internal, BatchNormStats.capture(internal));
        byte[] without = dfq(internal, BatchNormStats.none());
        assertArrayEquals(withStats, Files.readAllBytes(r.output()), "the façade captured the statistics before folding");
        assertFalse(Arrays.equals(withStats, without), "without statistics the result differs");
    }

    private byte[] dfq(Model internal, BatchNormStats bn) throws IOException {
        Path out = dir.resolve("dfq-" + bn.size() + ".onnx");
        try (Dataset calib = DataSettings.NONE.open(CALIB, internal, 64)) {
            ModelIO.save(new PostTrainingQuantizer(PtqConfig.builder().calibSize(64).perChannel(false).build())
                    .step(new CrossLayerEqualization(CrossLayerEqualization.Options.defaults(), bn))
                    .step(new BiasCorrection(BiasCorrection.Mode.ANALYTIC, bn)).quantize(internal, calib).quantized(), out);
        }
        return Files.readAllBytes(out);
    }

    @Test
    void qoperatorAndDynamicOutput() {
        QuantizeResult q = Lowbit.load(RESNET).quantize(options("qop.onnx").format(Format.QOPERATOR).build());
        List<String> ops = ModelIO.load(q.output()).graph().nodes().stream().map(Node::opType).toList();
        assertTrue(ops.contains("QLinearConv"), ops.toString());
        assertEquals(Format.QOPERATOR, q.format());

        QuantizeResult d = Lowbit.load(TestResources.of("models/tiny_transformer.onnx"))
                .quantize(QuantizeOptions.builder().mode(Mode.DYNAMIC).output(dir.resolve("dyn.onnx")).build());
        assertEquals(Mode.DYNAMIC, d.mode());
        assertEquals(0, d.calibrationSamples());
        assertEquals("dynamic", d.calibrationMethodName());
        assertFalse(d.quantizedNodes().isEmpty());
        assertTrue(d.quality().isEmpty());
    }

    @Test
    void evaluationAndComparisonReportFractions() {
        OnnxModel fp32 = Lowbit.load(RESNET);
        OnnxModel int8 = Lowbit.load(Lowbit.load(RESNET).quantize(options("e.onnx").build()).output());
        EvalOptions first200 = EvalOptions.builder().samples(200).batchSize(50).build();
        Evaluation e = int8.evaluateAgainst(fp32, DataSource.of(TEST), first200);
        Accuracy a = e.accuracy().orElseThrow();
        assertEquals(200, a.samples());
        assertTrue(a.top1() > 0.8 && a.top1() <= 1, "a fraction: " + a.top1());
        assertEquals(100.0 * a.top1Correct() / 200, a.top1Percent(), 0);
        assertEquals("java", e.engine());
        OutputQuality logits = e.vsReference().get(0);
        assertTrue(logits.top1Agreement() > 0.9 && logits.top1Agreement() <= 1, "a fraction: " + logits.top1Agreement());

        Comparison c = fp32.compare(int8, DataSource.of(TEST),
                EvalOptions.builder().samples(100).layers(true).build());
        assertEquals(100, c.samples());
        assertFalse(c.layers().isEmpty());
        assertEquals(logits.tensor(), c.outputs().get(0).tensor());
    }

    @Test
    void badValuesFailWithOneLineNamingTheSetting() {
        assertOneLine("calibration samples must be at least 1", () -> QuantizeOptions.builder().calibrationSamples(0));
        assertOneLine("weight bits must be in 2..16", () -> QuantizeOptions.builder().weightBits(1));
        assertOneLine("percentile must be in (50, 100]", () -> QuantizeOptions.builder().percentile(40));
        assertOneLine("unknown calibration method", () -> QuantizeOptions.builder().calibrationMethod("median"));
        assertOneLine("quantize needs an output file", () -> QuantizeOptions.builder().calibrationData(DataSource.of(CALIB)).build());
        assertOneLine("static quantization needs calibration data", () -> QuantizeOptions.builder().output(dir.resolve("x")).build());
        assertOneLine("dynamic quantization takes no calibration data", () -> options("x").mode(Mode.DYNAMIC).build());
        assertOneLine("maxTop1Drop needs evaluation data", () -> options("x").maxTop1Drop(1).build());
        assertOneLine("EasyQuant weight scale range", () -> new EasyQuantOptions(10, 2, 1, 0.5, 2, true));
        assertOneLine("std values must be above 0", () -> Preprocessing.fromModel().withStd(0.5f, 0f));
        assertOneLine("tokenizer max length must be at least 2", () -> DataSource.of(CALIB).withTokenizer(CALIB, 1));
        assertOneLine("samples must be at least 0", () -> EvalOptions.builder().samples(-1));
        assertOneLine("scheme bits must be in 2..16", () -> new Scheme(17, true, true, false));
        assertOneLine("epochs must be at least 1", () -> TrainingConfig.builder().epochs(0));
        assertOneLine("training needs a model and data", () -> TrainingConfig.builder().epochs(2).build());
        assertOneLine("unknown backend 'tpu'", () -> Backend.parse("tpu"));
        LowbitException e = assertThrows(LowbitException.class, () -> Lowbit.load(RESNET)
                .quantize(options("x.onnx").exclude(List.of("no_such_node")).build()));
        assertTrue(e.getMessage().startsWith(RESNET + ": exclude names no node of the model: no_such_node"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("x.onnx")));
        LowbitException engine = assertThrows(LowbitException.class, () -> Lowbit.load(RESNET)
                .evaluate(DataSource.of(TEST), EvalOptions.builder().engine("tpu").build()));
        assertTrue(engine.getMessage().startsWith("unknown engine 'tpu'"), engine.getMessage());
    }

    private static void assertOneLine(String start, Supplier<?> call) {
        LowbitException e = assertThrows(LowbitException.class, call::get);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void theTrainingBuilderAndAYamlFileMakeTheSameConfig() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        TrainingConfig built = TrainingConfig.builder().model(RESNET).data(CALIB, TEST).mode(TrainingConfig.TrainingMode.QAT)
                .backend(Backend.GENERIC).bits(4, 4).firstLastBits(8)
                .activationQuantizer(TrainingConfig.ActivationQuantizer.LSQ).weightQuantizer(TrainingConfig.WeightQuantizer.LSQ)
                .calibrationMethod(CalibrationMethod.PERCENTILE).percentile(99.9).calibrationSamples(128)
                .optimizer(TrainingConfig.Optimizer.ADAMW, 1e-4).schedule(TrainingConfig.Schedule.CONSTANT, 0.5)
                .loss(TrainingConfig.Loss.DISTILLATION).distillation(0.5, 2).epochs(3).maxSteps(10).batchSize(32).seed(7)
                .augmentation(0, false).checkpointDir(ckpt).freezeBatchNormEpoch(1)
                .preprocessing(Preprocessing.fromModel().withSize(28, 28)).build();
        Path yaml = dir.resolve("train.yaml");
        Files.writeString(yaml, String.join("\n", "model: " + RESNET.toAbsolutePath(), "train_data: " + CALIB.toAbsolutePath(),
                "test_data: " + TEST.toAbsolutePath(), "mode: qat", "backend: generic", "weight_bits: 4", "activation_bits: 4",
                "first_last_bits: 8", "quantizer: lsq", "weight_quantizer: lsq", "calib_method: percentile:99.9",
                "calib_size: 128", "optimizer: adamw", "lr: 1e-4", "schedule: constant", "warmup_epochs: 0.5", "loss: kd",
                "kd_alpha: 0.5", "kd_temperature: 2", "epochs: 3", "max_steps: 10", "batch_size: 32", "seed: 7",
                "augment: {crop_padding: 0, flip: false}", "checkpoint_dir: " + ckpt, "freeze_bn_epoch: 1", "size: 28x28", ""));
        TrainConfig fromYaml = TrainConfig.load(yaml);
        assertEquals(fromYaml.toString().replaceAll("@[0-9a-f]+", ""), built.internal().toString().replaceAll("@[0-9a-f]+", ""));
        assertEquals(ckpt.resolve("final_qdq.onnx"), built.output());
    }

    @Test
    void trainsAndExportsThroughTheFacade() throws IOException {
        TrainingConfig c = TrainingConfig.builder().model(RESNET).data(CALIB, TEST).samples(128, 100)
                .calibrationMethod(CalibrationMethod.MINMAX).calibrationSamples(64).maxSteps(2).batchSize(32)
                .optimizer(TrainingConfig.Optimizer.ADAMW, 1e-5).checkpointDir(dir.resolve("run")).build();
        int[] steps = {0};
        TrainingResult r = Lowbit.train(c, new TrainingListener() {
            @Override
            public void step(int epoch, long step, long total, double loss, double trainTop1, double lr) {
                steps[0]++;
            }
        });
        assertEquals(2, steps[0]);
        assertEquals(1, r.epochs().size());
        EpochSummary e = r.epochs().get(0);
        assertTrue(e.quantizedTop1() > 0.8 && e.quantizedTop1() <= 1, "a fraction: " + e.quantizedTop1());
        assertTrue(Files.size(r.output()) > 0 && Files.exists(e.checkpoint()));
        assertEquals(BackendProfile.ONNXRUNTIME.id(), Lowbit.load(r.output()).metadata().get("lowbit.backend"));
    }
}

package dev.lowbit.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.testutil.TestResources;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Datasets;
import dev.lowbit.data.Preprocess;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.JavaEngine;
import dev.lowbit.onnxruntime.OnnxRuntimeEngine;
import dev.lowbit.eval.Evaluator;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.ptq.CalibrationMethod;
import dev.lowbit.ptq.PostTrainingQuantizer;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.ptq.PtqResult;
import dev.lowbit.quant.BackendProfile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's library example, end to end: W8A8 PTQ of the ResNet-style test model, checked in both engines. */
class LibraryUsageTest {
    @TempDir
    Path dir;

    @Test
    void quantizeAndEvaluateThroughThePublicApi() {
        Path fmnist = TestResources.of("fmnist");
        DatasetOptions options = DatasetOptions.defaults()
                .withPreprocess(Preprocess.defaults().withNormalization(new float[] {0.2860f}, new float[] {0.3530f}));
        Model model = ModelIO.load(TestResources.of("models/resnet_fmnist.onnx"));
        PtqConfig config = PtqConfig.builder().weightBits(8).activationBits(8).perChannel(true)
                .method(CalibrationMethod.parse("minmax")).backend(BackendProfile.TENSORRT).calibSize(256).build();
        Path out = dir.resolve("model.int8.onnx");
        try (Dataset calib = Datasets.open(fmnist.resolve("calib512-images-idx3-ubyte.gz"), options.withLimit(256))) {
            PtqResult result = new PostTrainingQuantizer(config).quantize(model, calib);
            ModelIO.save(result.quantized(), out);
            assertEquals(256, result.calibrationSamples());
        }
        double[] top1 = new double[3];
        Path test = fmnist.resolve("t1000-images-idx3-ubyte.gz");
        Path[] models = {TestResources.of("models/resnet_fmnist.onnx"), out, out};
        for (int i = 0; i < 3; i++) {
            try (Engine engine = i < 2 ? new JavaEngine(ModelIO.load(models[i])) : OnnxRuntimeEngine.builder().build(out);
                 Dataset data = Datasets.open(test, options.withLimit(500))) {
                top1[i] = Evaluator.evaluate(engine, data, 100, null).top1();
            }
        }
        assertTrue(top1[0] - top1[1] <= 1.0, "int8 " + top1[1] + " vs fp32 " + top1[0]);
        assertEquals(top1[1], top1[2], 1e-9, "lowbit's engine and ONNX Runtime agree on the int8 model");
    }
}

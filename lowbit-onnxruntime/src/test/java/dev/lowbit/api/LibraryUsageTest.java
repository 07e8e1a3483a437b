package dev.lowbit.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.Accuracy;
import dev.lowbit.Backend;
import dev.lowbit.CalibrationMethod;
import dev.lowbit.Comparison;
import dev.lowbit.DataSource;
import dev.lowbit.EvalOptions;
import dev.lowbit.Lowbit;
import dev.lowbit.OnnxModel;
import dev.lowbit.QuantizeOptions;
import dev.lowbit.QuantizeResult;
import dev.lowbit.testutil.TestResources;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's library use beyond its example, end to end through the API package alone: W8A8 PTQ
 * of the ResNet-style test model for TensorRT, evaluated and compared in both engines by name.
 */
class LibraryUsageTest {
    @TempDir
    Path dir;

    @Test
    void quantizeEvaluateAndCompareInBothEngines() {
        assertEquals(List.of("java", "onnxruntime"), Lowbit.engines());
        Path fmnist = TestResources.of("fmnist");
        OnnxModel fp32 = Lowbit.load(TestResources.of("models/resnet_fmnist.onnx"));
        QuantizeResult q = fp32.quantize(QuantizeOptions.builder()
                .calibrationData(DataSource.of(fmnist.resolve("calib512-images-idx3-ubyte.gz"))).calibrationSamples(256)
                .weightBits(8).activationBits(8).perChannel(true).calibrationMethod(CalibrationMethod.MINMAX)
                .backend(Backend.TENSORRT).output(dir.resolve("model.int8.onnx")).build());
        assertEquals(256, q.calibrationSamples());
        OnnxModel int8 = Lowbit.load(q.output());
        DataSource test = DataSource.of(fmnist.resolve("t1000-images-idx3-ubyte.gz"));
        double[] top1 = new double[3];
        OnnxModel[] models = {fp32, int8, int8};
        String[] engines = {"java", "java", "onnxruntime"};
        for (int i = 0; i < 3; i++) {
            Accuracy a = models[i].evaluate(test, EvalOptions.builder().engine(engines[i]).samples(500).batchSize(100).build())
                    .accuracy().orElseThrow();
            assertEquals(500, a.samples());
            top1[i] = a.top1();
        }
        assertTrue(top1[0] - top1[1] <= 0.01, "int8 " + top1[1] + " vs fp32 " + top1[0]);
        assertEquals(top1[1], top1[2], 1e-9, "lowbit's engine and ONNX Runtime agree on the int8 model");
        Comparison ort = fp32.compare(int8, test, EvalOptions.builder().engine("onnxruntime").samples(200).build());
        assertTrue(ort.outputs().get(0).top1Agreement() > 0.97, ort.outputs().toString());
    }
}

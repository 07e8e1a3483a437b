import dev.lowbit.data.Batch;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Datasets;
import dev.lowbit.data.Preprocess;
import dev.lowbit.engine.Engine;
import dev.lowbit.engine.JavaEngine;
import dev.lowbit.engine.OnnxRuntimeEngine;
import dev.lowbit.eval.Accuracy;
import dev.lowbit.onnx.ModelIO;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Image-by-image agreement of lowbit's engine and ONNX Runtime on a (quantized) Fashion-MNIST
 * model: how many test images get a different top-1, how many logits differ, the largest difference.
 * Run: java --add-modules jdk.incubator.vector -cp "lowbit-cli/target/lowbit-cli-0.1.0-SNAPSHOT.jar:lowbit-cli/target/lib/*" \
 *      tools/experiments/AgreementCheck.java MODEL.onnx [IDX_IMAGES]
 */
public class AgreementCheck {
    public static void main(String[] a) {
        Path model = Path.of(a[0]);
        Path images = Path.of(a.length > 1 ? a[1] : "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
        DatasetOptions options = DatasetOptions.defaults()
                .withPreprocess(Preprocess.defaults().withNormalization(new float[] {0.2860f}, new float[] {0.3530f}));
        try (Engine java = new JavaEngine(ModelIO.load(model)); Engine ort = OnnxRuntimeEngine.builder().build(model);
             Dataset ds = Datasets.open(images, options)) {
            String in = java.inputNames().get(0);
            String out = java.outputNames().get(0);
            int seen = 0;
            int top1 = 0;
            int logits = 0;
            double max = 0;
            for (Iterator<Batch> it = ds.batches(500); it.hasNext();) {
                Batch b = it.next();
                float[] x = java.run(Map.of(in, b.images())).get(out).floats();
                float[] y = ort.run(Map.of(in, b.images())).get(out).floats();
                int classes = x.length / b.size();
                for (int i = 0; i < b.size(); i++) {
                    if (Accuracy.argmax(x, classes, i) != Accuracy.argmax(y, classes, i)) {
                        top1++;
                        System.out.println("top-1 differs on image " + (seen + i));
                    }
                }
                for (int i = 0; i < x.length; i++) {
                    double d = Math.abs(x[i] - y[i]);
                    if (d > 0) {
                        logits++;
                    }
                    max = Math.max(max, d);
                }
                seen += b.size();
            }
            System.out.printf("%d images: top-1 differs on %d, %d logits differ, max |lowbit - ORT| %.4g%n", seen, top1, logits, max);
        }
    }
}

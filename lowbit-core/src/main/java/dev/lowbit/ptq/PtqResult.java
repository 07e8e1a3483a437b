package dev.lowbit.ptq;

import dev.lowbit.quant.QuantPlan;
import dev.lowbit.onnx.Model;
import dev.lowbit.quant.QuantParams;
import java.util.Map;

/**
 * What a post-training quantization run produced.
 *
 * @param quantized        the QDQ model (run it with lowbit or any ONNX runtime)
 * @param prepared         the float model after clean-up and BatchNormalization folding
 * @param plan             where quantizers were placed and which nodes stay float
 * @param activations      chosen parameters per calibrated activation
 * @param weights          parameters per quantized weight initializer
 * @param method           the calibration method used (the winner when {@code best} was asked)
 * @param candidateScores  held-out output SQNR (dB) per candidate method, when {@code best} ran
 * @param calibrationSamples samples observed
 * @param millis           wall time of the whole run
 * @param notes            per-step notes (time taken, what each algorithm did)
 * @param histograms       calibration histogram of each calibrated activation (for reports)
 * @param observedRanges   the observed [min, max] of each calibrated activation
 * @param quality          the quantized outputs against float on held-out samples (null for runs reusing
 *                         another run's calibration: the searches of sensitivity and mixed precision)
 */
public record PtqResult(Model quantized, Model prepared, QuantPlan plan, Map<String, QuantParams> activations,
                        Map<String, QuantParams> weights, CalibrationMethod method,
                        Map<String, Double> candidateScores, int calibrationSamples, long millis,
                        Map<String, String> notes, Map<String, dev.lowbit.calib.Histogram> histograms,
                        Map<String, dev.lowbit.calib.Ranges> observedRanges, Quality quality) {
}

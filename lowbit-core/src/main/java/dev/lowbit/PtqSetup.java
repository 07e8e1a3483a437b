package dev.lowbit;

import dev.lowbit.onnx.Model;
import dev.lowbit.ptq.AdaRound;
import dev.lowbit.ptq.BatchNormStats;
import dev.lowbit.ptq.BiasCorrection;
import dev.lowbit.ptq.CrossLayerEqualization;
import dev.lowbit.ptq.EasyQuant;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.ptq.PtqStep;
import dev.lowbit.ptq.SmoothQuant;
import dev.lowbit.quant.BackendProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The internal PTQ config and algorithm steps that {@link QuantizeOptions} stand for. */
final class PtqSetup {
    private PtqSetup() {
    }

    static PtqConfig config(QuantizeOptions.Builder o) {
        PtqConfig.Builder b = PtqConfig.builder().weightBits(o.weightBits).activationBits(o.activationBits)
                .perChannel(o.perChannel).method(Conversions.method(o.calibrationMethod, o.percentile))
                .weightMethod(o.weightMethod.name().toLowerCase(Locale.ROOT)).backend(BackendProfile.valueOf(o.backend.name()))
                .calibSize(o.calibrationSamples).batchSize(o.batchSize).exclude(o.exclude).firstLastBits(o.firstLastBits)
                .allowNonFinite(o.allowNonFinite).recipe(Conversions.recipe(o.recipe))
                .smoothQuant(smoothQuant(o.smoothQuant), o.smoothQuantAlpha);
        if (o.weightScheme != null) {
            b.weightScheme(o.weightScheme.toInternal());
        }
        if (o.activationScheme != null) {
            b.activationScheme(o.activationScheme.toInternal());
        }
        return b.build();
    }

    private static SmoothQuant.Mode smoothQuant(SmoothQuantMode m) {
        return switch (m) {
            case OFF -> SmoothQuant.Mode.OFF;
            case ABSORBED -> SmoothQuant.Mode.FOLDED;
            case EVERYWHERE -> SmoothQuant.Mode.FULL;
        };
    }

    /**
     * The steps the options ask for, in the white paper's order: CLE on the float graph; AdaRound
     * replaces round-to-nearest weights; bias correction compensates what rounding left; EasyQuant
     * searches scales once activations are calibrated. Equalization and bias correction share one
     * set of BatchNormalization statistics, read from {@code floatModel} before folding: equalization
     * rescales channels and analytic correction reads the rescaled statistics.
     */
    static List<PtqStep> steps(QuantizeOptions.Builder o, Model floatModel) {
        List<PtqStep> out = new ArrayList<>();
        boolean needsBn = o.crossLayerEqualization || o.biasCorrection != BiasCorrectionMode.OFF;
        BatchNormStats bn = needsBn ? BatchNormStats.capture(floatModel) : BatchNormStats.none();
        if (o.crossLayerEqualization) {
            out.add(new CrossLayerEqualization(CrossLayerEqualization.Options.defaults(), bn));
        }
        if (o.adaRoundIterations > 0) {
            out.add(new AdaRound(o.adaRoundIterations));
        }
        if (o.biasCorrection != BiasCorrectionMode.OFF) {
            out.add(new BiasCorrection(o.biasCorrection == BiasCorrectionMode.ANALYTIC ? BiasCorrection.Mode.ANALYTIC
                    : BiasCorrection.Mode.EMPIRICAL, bn));
        }
        if (o.easyQuant != null) {
            EasyQuantOptions e = o.easyQuant;
            out.add(new EasyQuant(new EasyQuant.Options(e.samples(), EasyQuantOptions.CANDIDATES, e.weightLow(),
                    e.weightHigh(), e.activationLow(), e.activationHigh(), e.heldOutCheck())));
        }
        return out;
    }
}

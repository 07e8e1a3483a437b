package dev.lowbit;

import dev.lowbit.data.Dataset;
import dev.lowbit.onnx.Model;
import dev.lowbit.ptq.MixedPrecision;
import dev.lowbit.ptq.ModelScorer;
import dev.lowbit.ptq.PartialQuantization;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.ptq.PtqStep;
import dev.lowbit.ptq.QuantSearch;
import dev.lowbit.report.SensitivityTable;
import java.util.List;

/**
 * The accuracy- and size-driven runs of {@link OnnxModel#quantize}: partial quantization
 * ({@link QuantizeOptions.Builder#maxTop1Drop}) and mixed precision
 * ({@link QuantizeOptions.Builder#mixedPrecision}). Their trace goes to
 * {@link ProgressListener#note}, line by line.
 */
final class Searches {
    /** Batch size the searches score models with. */
    private static final int SCORE_BATCH = 100;

    private Searches() {
    }

    static Quantization.Outcome run(Model floatModel, Dataset calib, PtqConfig config, List<PtqStep> steps,
                                    QuantizeOptions.Builder o) {
        long start = System.nanoTime();
        try (Dataset eval = o.evaluationData.open(floatModel, o.evaluationSamples)) {
            ModelScorer scorer = new ModelScorer(floatModel, eval, SCORE_BATCH);
            QuantSearch search = new QuantSearch(floatModel, calib, scorer, config, steps, o.progress::update);
            return o.maxTop1Drop != null ? partial(search, scorer, o.maxTop1Drop, o.progress, start)
                    : mixed(search, scorer, o, start);
        }
    }

    private static Quantization.Outcome partial(QuantSearch search, ModelScorer scorer, double maxDrop,
                                                ProgressListener out, long start) {
        PartialQuantization.Result r = PartialQuantization.run(search, maxDrop);
        if (r.sensitivity() != null) {
            SensitivityTable.lines(r.sensitivity()).forEach(out::note);
        }
        out.note(String.format("float top-1 %.2f%% on %d images; target drop <= %.2f points", r.floatTop1(),
                scorer.samples(), r.maxDrop()));
        for (PartialQuantization.Step s : r.trace()) {
            out.note(String.format("  %-40s top-1 %6.2f%%  drop %5.2f  SQNR %6.2f dB",
                    s.floatUnits().isEmpty() ? "all quantized" : "float: +" + s.floatUnits().get(s.floatUnits().size() - 1),
                    s.score().top1(), s.drop(), s.score().sqnrDb()));
        }
        out.note(String.format("%s: %d layer(s) kept float %s; final top-1 %.2f%% (drop %.2f)",
                r.met() ? "target met" : "target NOT met", r.floatUnits().size(), r.floatUnits(),
                r.last().score().top1(), r.last().drop()));
        out.note(String.format("partial quantization: %d quantization runs, %.1f s in all", r.trace().size()
                + (r.sensitivity() == null ? 0 : r.sensitivity().ranked().size()), (System.nanoTime() - start) / 1e9));
        return new Quantization.Outcome(r.model(), r.sensitivity());
    }

    private static Quantization.Outcome mixed(QuantSearch search, ModelScorer scorer, QuantizeOptions.Builder o, long start) {
        MixedPrecision.Result r = MixedPrecision.run(search, o.mixedPrecisionBudget, o.mixedPrecisionBits);
        ProgressListener out = o.progress;
        out.note(String.format("mixed precision: packed weights %,d -> %,d bytes (budget %,d); float top-1 %.2f%%, all %d-bit"
                        + " %.2f%% (SQNR %.2f dB), mixed %.2f%% (SQNR %.2f dB) on %d images", r.fullBytes(), r.bytes(),
                r.budgetBytes(), scorer.floatTop1(), search.config().weightBits(), search.fullScore().top1(),
                search.fullScore().sqnrDb(), r.score().top1(), r.score().sqnrDb(), scorer.samples()));
        r.bits().forEach((node, bits) -> {
            MixedPrecision.Cost c = r.costs().stream().filter(x -> x.node().equals(node)).findFirst().orElse(null);
            out.note(String.format("  %-36s %2d bits%s", node, bits,
                    c == null ? "" : String.format("   (added noise at %d bits: %.2e)", c.bits(), c.addedNoise())));
        });
        out.note(String.format("mixed precision: %d quantization runs, %.1f s in all", r.costs().size() + 2,
                (System.nanoTime() - start) / 1e9));
        return new Quantization.Outcome(r.model(), null);
    }
}

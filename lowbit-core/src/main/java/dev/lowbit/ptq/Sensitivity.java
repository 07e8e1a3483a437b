package dev.lowbit.ptq;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Per-layer sensitivity analysis (NVIDIA's workflow, Wu et al. 2020 §6): each quantizable layer
 * is quantized alone, everything else float, and the model scored; the layers whose quantization
 * costs the most come first. The metric is top-1 accuracy when the evaluation data have labels
 * (ties broken by output SQNR, which is finer-grained), else output SQNR against the float model.
 * All runs share one calibration pass.
 */
public final class Sensitivity {
    /**
     * One layer's result.
     *
     * @param drop top-1 points lost vs float (labels), else SQNR dB below the best single layer's
     */
    public record Row(QuantSearch.Unit unit, ModelScorer.Score score, double drop) {
    }

    /**
     * @param floatTop1  float model top-1 (NaN without labels)
     * @param full       everything quantized
     * @param ranked     most sensitive first
     * @param byAccuracy ranked by top-1 (else by SQNR)
     */
    public record Result(double floatTop1, ModelScorer.Score full, List<Row> ranked, boolean byAccuracy, int samples,
                         long millis) {
    }

    private Sensitivity() {
    }

    public static Result analyze(QuantSearch search) {
        long start = System.nanoTime();
        ModelScorer scorer = search.scorer();
        ModelScorer.Score full = search.fullScore();
        List<QuantSearch.Unit> units = search.units();
        List<Row> rows = new ArrayList<>();
        boolean byAccuracy = scorer.labelled();
        int done = 0;
        for (QuantSearch.Unit u : units) {
            ModelScorer.Score s = scorer.score(search.quantizeOnly(u).quantized());
            rows.add(new Row(u, s, Double.NaN));
            search.progress().update("sensitivity", ++done, units.size());
        }
        double bestSqnr = rows.stream().mapToDouble(r -> r.score().sqnrDb()).filter(Double::isFinite).max().orElse(0);
        List<Row> withDrop = new ArrayList<>();
        for (Row r : rows) {
            double drop = byAccuracy ? scorer.floatTop1() - r.score().top1() : bestSqnr - r.score().sqnrDb();
            withDrop.add(new Row(r.unit(), r.score(), drop));
        }
        Comparator<Row> bySqnr = Comparator.comparingDouble(r -> r.score().sqnrDb());
        Comparator<Row> order = byAccuracy ? Comparator.<Row>comparingDouble(r -> r.score().top1()).thenComparing(bySqnr) : bySqnr;
        withDrop.sort(order);
        return new Result(scorer.floatTop1(), full, List.copyOf(withDrop), byAccuracy, scorer.samples(),
                (System.nanoTime() - start) / 1_000_000);
    }
}

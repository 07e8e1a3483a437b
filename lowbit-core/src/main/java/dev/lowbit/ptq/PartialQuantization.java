package dev.lowbit.ptq;

import dev.lowbit.LowbitException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Partial quantization (NVIDIA's workflow): quantize everything; while top-1 is more than
 * {@code maxDrop} points below float, move the next most sensitive layer (by
 * {@link Sensitivity}) back to float and quantize again, reusing the calibration statistics.
 */
public final class PartialQuantization {
    /** One attempt: the layers kept float so far and the resulting score. */
    public record Step(List<String> floatUnits, ModelScorer.Score score, double drop) {
    }

    /**
     * @param model       the last model quantized (meets the target when {@code met})
     * @param floatUnits  layers left float, in the order they were moved
     * @param trace       every attempt, starting with everything quantized
     */
    public record Result(PtqResult model, double floatTop1, double maxDrop, List<String> floatUnits, List<Step> trace,
                         Sensitivity.Result sensitivity, boolean met) {
        public Step last() {
            return trace.get(trace.size() - 1);
        }
    }

    private PartialQuantization() {
    }

    /** Runs the loop; sensitivity analysis runs only when the fully quantized model misses the target. */
    public static Result run(QuantSearch search, double maxDrop) {
        if (!search.scorer().labelled()) {
            throw new LowbitException("partial quantization measures top-1: the evaluation data need labels");
        }
        if (!(maxDrop >= 0)) {
            throw new LowbitException("--max-drop must be >= 0 points, got " + maxDrop);
        }
        double floatTop1 = search.scorer().floatTop1();
        PtqResult model = search.full();
        ModelScorer.Score score = search.fullScore();
        List<Step> trace = new ArrayList<>();
        List<String> floated = new ArrayList<>();
        trace.add(new Step(List.of(), score, floatTop1 - score.top1()));
        if (floatTop1 - score.top1() <= maxDrop) {
            return new Result(model, floatTop1, maxDrop, floated, trace, null, true);
        }
        Sensitivity.Result sens = Sensitivity.analyze(search);
        Set<String> floatNodes = new LinkedHashSet<>();
        List<Sensitivity.Row> ranked = sens.ranked();
        // Keep at least one layer quantized: a model with nothing quantized is not a quantized model.
        for (int i = 0; i < ranked.size() - 1 && floatTop1 - score.top1() > maxDrop; i++) {
            QuantSearch.Unit u = ranked.get(i).unit();
            floatNodes.addAll(u.nodes());
            floated.add(u.name());
            model = search.quantize(floatNodes, Map.of(), true);
            score = search.scorer().score(model.quantized());
            trace.add(new Step(List.copyOf(floated), score, floatTop1 - score.top1()));
            search.progress().update("partial quantization", i + 1, ranked.size() - 1);
        }
        return new Result(model, floatTop1, maxDrop, List.copyOf(floated), trace, sens, floatTop1 - score.top1() <= maxDrop);
    }
}

package dev.lowbit.cli;

import dev.lowbit.LowbitException;
import dev.lowbit.data.Dataset;
import dev.lowbit.data.Datasets;
import dev.lowbit.onnx.Model;
import dev.lowbit.ptq.MixedPrecision;
import dev.lowbit.ptq.ModelScorer;
import dev.lowbit.ptq.PartialQuantization;
import dev.lowbit.ptq.PtqConfig;
import dev.lowbit.ptq.PtqResult;
import dev.lowbit.ptq.PtqStep;
import dev.lowbit.ptq.QuantSearch;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The accuracy- and size-driven modes of {@code lowbit quantize}: {@code --max-drop} (partial
 * quantization) and {@code --mixed-precision --size-budget}. Reports go to stderr so that
 * {@code --json} output on stdout stays one document.
 */
final class QuantizeSearch {
    private QuantizeSearch() {
    }

    static PtqResult run(QuantizeCommand cmd, Model floatModel, Dataset calib, PtqConfig cfg, List<PtqStep> steps) {
        if (cmd.data == null) {
            throw new LowbitException((cmd.maxDrop != null ? "--max-drop" : "--mixed-precision") + " needs --data DATA (labelled evaluation images)");
        }
        if (cmd.maxDrop != null && cmd.mixedPrecision) {
            throw new LowbitException("use --max-drop or --mixed-precision, not both");
        }
        if (cmd.mixedPrecision && cmd.sizeBudget == null) {
            throw new LowbitException("--mixed-precision needs --size-budget BYTES|RATIO");
        }
        PrintStream out = System.err;
        long start = System.nanoTime();
        try (Dataset eval = Datasets.open(cmd.data, cmd.dataOptions.toOptions(floatModel, cmd.evalLimit))) {
            Map<String, Progress> bars = new LinkedHashMap<>();
            ModelScorer scorer = new ModelScorer(floatModel, eval, 100);
            QuantSearch search = new QuantSearch(floatModel, calib, scorer, cfg, steps, (phase, done, total) -> {
                Progress p = bars.computeIfAbsent(phase, k -> Progress.stderr(k, total, k.equals("calibrate") ? "samples" : "runs"));
                p.advance(done - p.count());
            });
            if (cmd.maxDrop != null) {
                PartialQuantization.Result r = PartialQuantization.run(search, cmd.maxDrop);
                bars.values().forEach(Progress::done);
                if (r.sensitivity() != null) {
                    SensitivityCommand.printTable(out, r.sensitivity());
                    cmd.sensitivity = r.sensitivity();
                }
                out.printf("float top-1 %.2f%% on %d images; target drop <= %.2f points%n", r.floatTop1(), scorer.samples(), r.maxDrop());
                for (PartialQuantization.Step s : r.trace()) {
                    out.printf("  %-40s top-1 %6.2f%%  drop %5.2f  SQNR %6.2f dB%n",
                            s.floatUnits().isEmpty() ? "all quantized" : "float: +" + s.floatUnits().get(s.floatUnits().size() - 1),
                            s.score().top1(), s.drop(), s.score().sqnrDb());
                }
                out.printf("%s: %d layer(s) kept float %s; final top-1 %.2f%% (drop %.2f)%n", r.met() ? "target met" : "target NOT met",
                        r.floatUnits().size(), r.floatUnits(), r.last().score().top1(), r.last().drop());
                out.printf("partial quantization: %d quantization runs, %.1f s in all%n", r.trace().size()
                        + (r.sensitivity() == null ? 0 : r.sensitivity().ranked().size()), (System.nanoTime() - start) / 1e9);
                return r.model();
            }
            MixedPrecision.Result r = MixedPrecision.run(search, cmd.sizeBudget, cmd.mixedBits);
            bars.values().forEach(Progress::done);
            out.printf("mixed precision: packed weights %,d -> %,d bytes (budget %,d); float top-1 %.2f%%, all %d-bit %.2f%% (SQNR %.2f dB), mixed %.2f%% (SQNR %.2f dB) on %d images%n",
                    r.fullBytes(), r.bytes(), r.budgetBytes(), scorer.floatTop1(), search.config().weightBits(),
                    search.fullScore().top1(), search.fullScore().sqnrDb(), r.score().top1(), r.score().sqnrDb(), scorer.samples());
            r.bits().forEach((node, bits) -> {
                MixedPrecision.Cost c = r.costs().stream().filter(x -> x.node().equals(node)).findFirst().orElse(null);
                out.printf("  %-36s %2d bits%s%n", node, bits, c == null ? "" : String.format("   (added noise at %d bits: %.2e)", c.bits(), c.addedNoise()));
            });
            out.printf("mixed precision: %d quantization runs, %.1f s in all%n", r.costs().size() + 2, (System.nanoTime() - start) / 1e9);
            return r.model();
        }
    }

    /** Parses "LO,HI". */
    static double[] range(String text, String flag) {
        String[] p = text.split(",");
        try {
            if (p.length == 2) {
                double lo = Double.parseDouble(p[0].trim());
                double hi = Double.parseDouble(p[1].trim());
                if (lo > 0 && lo < hi) {
                    return new double[] {lo, hi};
                }
            }
        } catch (NumberFormatException e) {
            // fall through to the one-line message
        }
        throw new LowbitException(flag + " must be LO,HI with 0 < LO < HI, e.g. 0.5,2; got '" + text + "'");
    }
}

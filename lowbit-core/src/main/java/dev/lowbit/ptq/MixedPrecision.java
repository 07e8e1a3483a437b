package dev.lowbit.ptq;

import dev.lowbit.LowbitException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mixed-precision weights under a size budget: every weighted layer starts at the config's weight
 * bits; each lower width is tried on one layer at a time (the rest quantized as configured) and
 * its cost measured as the output noise it adds (relative noise energy, 10^(−SQNR/10), which adds
 * up across layers); then layers are lowered greedily, cheapest added noise per byte saved first,
 * until the weights fit the budget.
 *
 * <p>Size is the packed weight payload, Σ elements × bits / 8: a QDQ file stores any width up to
 * 8 bits in int8, so the file itself does not shrink below 8 bits; the packed size is what an
 * int4-capable runtime or format stores.
 */
public final class MixedPrecision {
    /** Added relative output noise of one layer at one width. */
    public record Cost(String node, int bits, double addedNoise, long bytesAtBits) {
    }

    /**
     * @param bits       chosen weight bits per weighted layer
     * @param fullBytes  packed weight bytes with every layer at the config's bits
     * @param bytes      packed weight bytes of the result
     */
    public record Result(PtqResult model, ModelScorer.Score score, Map<String, Integer> bits, long budgetBytes,
                         long fullBytes, long bytes, List<Cost> costs, long millis) {
    }

    private MixedPrecision() {
    }

    /** Packed weight bytes with every weighted layer at {@code bits} (or its entry in {@code perNode}). */
    static long bytes(List<QuantSearch.Unit> units, int bits, Map<String, Integer> perNode) {
        long total = 0;
        for (QuantSearch.Unit u : units) {
            total += (u.weightElements() * perNode.getOrDefault(u.name(), bits) + 7) / 8;
        }
        return total;
    }

    /**
     * @param budget  bytes when > 1, else a fraction of the all-high-bits weight size
     * @param lower   the lower widths to consider, e.g. {4} or {4, 6}
     */
    public static Result run(QuantSearch search, double budget, int[] lower) {
        if (!Double.isFinite(budget) || budget <= 0) {
            throw new LowbitException("size budget must be a finite number above 0 (bytes, or a fraction <= 1), got " + budget);
        }
        long start = System.nanoTime();
        int high = search.config().weightBits();
        int[] levels = Arrays.stream(lower).filter(b -> b < high).map(b -> -b).sorted().map(b -> -b).distinct().toArray();
        if (levels.length == 0) {
            throw new LowbitException("mixed precision needs a width below --weights " + high + ", got " + Arrays.toString(lower));
        }
        List<QuantSearch.Unit> units = search.units().stream().filter(u -> u.weightElements() > 0).toList();
        long fullBytes = bytes(units, high, Map.of());
        long budgetBytes = budget > 1 ? (long) budget : (long) Math.floor(budget * fullBytes);
        double baseNoise = search.fullScore().relativeNoise();
        // costs[u][k]: added noise of unit u at levels[k]
        double[][] costs = new double[units.size()][levels.length];
        List<Cost> costList = new ArrayList<>();
        int done = 0;
        for (int u = 0; u < units.size(); u++) {
            for (int k = 0; k < levels.length; k++) {
                QuantSearch.Unit unit = units.get(u);
                PtqResult r = search.quantize(java.util.Set.of(), Map.of(unit.name(), levels[k]), false);
                double noise = search.scorer().score(r.quantized()).relativeNoise();
                costs[u][k] = Math.max(0, noise - baseNoise);
                costList.add(new Cost(unit.name(), levels[k], costs[u][k], (unit.weightElements() * levels[k] + 7) / 8));
                search.progress().update("mixed precision", ++done, (long) units.size() * levels.length);
            }
        }
        int[] at = new int[units.size()]; // -1 = high bits, else index into levels
        Arrays.fill(at, -1);
        Map<String, Integer> bits = new LinkedHashMap<>();
        long size = fullBytes;
        while (size > budgetBytes) {
            int bestU = -1;
            double bestRate = Double.POSITIVE_INFINITY;
            long bestSaved = 0;
            double bestAdded = 0;
            // A move that alone closes the gap competes on its absolute cost: overshooting with a
            // large layer costs more than a small layer that suffices.
            int finishU = -1;
            double finishAdded = Double.POSITIVE_INFINITY;
            long finishSaved = 0;
            for (int u = 0; u < units.size(); u++) {
                int next = at[u] + 1;
                if (next >= levels.length) {
                    continue;
                }
                int curBits = at[u] < 0 ? high : levels[at[u]];
                double curCost = at[u] < 0 ? 0 : costs[u][at[u]];
                long saved = (units.get(u).weightElements() * curBits + 7) / 8 - (units.get(u).weightElements() * levels[next] + 7) / 8;
                double added = Math.max(0, costs[u][next] - curCost);
                double rate = added / Math.max(1, saved);
                if (rate < bestRate || (rate == bestRate && saved > bestSaved)) {
                    bestRate = rate;
                    bestU = u;
                    bestSaved = saved;
                    bestAdded = added;
                }
                if (size - saved <= budgetBytes && added < finishAdded) {
                    finishU = u;
                    finishAdded = added;
                    finishSaved = saved;
                }
            }
            if (finishU >= 0 && finishAdded <= bestAdded) {
                bestU = finishU;
                bestSaved = finishSaved;
            }
            if (bestU < 0) {
                throw new LowbitException("size budget " + budgetBytes + " bytes is unreachable: every layer at "
                        + levels[levels.length - 1] + " bits still takes " + size + " bytes");
            }
            at[bestU]++;
            bits.put(units.get(bestU).name(), levels[at[bestU]]);
            size -= bestSaved;
        }
        PtqResult model = search.quantize(java.util.Set.of(), bits, true);
        ModelScorer.Score score = search.scorer().score(model.quantized());
        Map<String, Integer> all = new LinkedHashMap<>();
        units.forEach(u -> all.put(u.name(), bits.getOrDefault(u.name(), high)));
        return new Result(model, score, all, budgetBytes, fullBytes, bytes(units, high, bits), costList,
                (System.nanoTime() - start) / 1_000_000);
    }
}

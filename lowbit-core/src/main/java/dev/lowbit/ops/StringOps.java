package dev.lowbit.ops;

import dev.lowbit.exec.Op;
import dev.lowbit.exec.OpContext;
import dev.lowbit.exec.OpRegistry;
import dev.lowbit.UnsupportedOpException;
import dev.lowbit.tensor.DType;
import dev.lowbit.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * StringNormalizer (opset 10): drops stopwords (case-insensitively unless is_case_sensitive) and
 * changes case. Input [C] or [1, C]; when every word is dropped the output is one empty string.
 */
final class StringOps implements OpRegistry.Family {
    @Override
    public void register(OpRegistry r) {
        r.register("", "StringNormalizer", 10, StringOps::normalizer);
    }

    private static Op normalizer(OpContext ctx) {
        String action = ctx.node().getString("case_change_action", "NONE");
        if (!List.of("NONE", "LOWER", "UPPER").contains(action)) {
            throw ctx.unsupported("case_change_action '" + action + "'");
        }
        boolean caseSensitive = ctx.node().getInt("is_case_sensitive", 0) != 0;
        String localeName = ctx.node().getString("locale", "");
        Locale locale = localeName.isEmpty() ? Locale.ROOT : Locale.forLanguageTag(localeName.replace('_', '-'));
        Set<String> stop = new HashSet<>();
        for (String s : ctx.node().getStrings("stopwords", List.of())) {
            stop.add(caseSensitive ? s : s.toLowerCase(locale));
        }
        return in -> {
            Tensor x = in[0];
            if (x.dtype() != DType.STRING) {
                throw new UnsupportedOpException("StringNormalizer: unsupported data type " + x.dtype().onnxName());
            }
            boolean twoD = x.rank() == 2;
            if (x.rank() > 2 || (twoD && x.dim(0) != 1)) {
                throw new UnsupportedOpException("StringNormalizer: input must be [C] or [1, C]");
            }
            List<String> kept = new ArrayList<>();
            for (String s : x.strings()) {
                if (stop.contains(caseSensitive ? s : s.toLowerCase(locale))) {
                    continue;
                }
                kept.add(switch (action) {
                    case "LOWER" -> s.toLowerCase(locale);
                    case "UPPER" -> s.toUpperCase(locale);
                    default -> s;
                });
            }
            if (kept.isEmpty()) {
                kept.add("");
            }
            String[] out = kept.toArray(String[]::new);
            int[] shape = twoD ? new int[] {1, out.length} : new int[] {out.length};
            return new Tensor[] {Tensor.wrap(DType.STRING, shape, out)};
        };
    }
}

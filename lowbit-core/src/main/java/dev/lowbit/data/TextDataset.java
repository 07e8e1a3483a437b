package dev.lowbit.data;

import dev.lowbit.LowbitException;
import dev.lowbit.onnx.ValueInfo;
import dev.lowbit.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sentences, one per line of a UTF-8 text file, tokenized with a HuggingFace {@code tokenizer.json}
 * (WordPiece, BPE or Unigram, by the HuggingFace tokenizers library), truncated to
 * {@link DatasetOptions#maxLength()} tokens and padded to the longest line, as transformers take
 * them: token ids, an attention mask (1 = token, 0 = padding) and token type ids, matched to the
 * model's inputs by name ({@code *mask*}, {@code *type*}, else ids).
 */
public final class TextDataset {
    private TextDataset() {
    }

    /** Which tokenizer output a model input takes. */
    enum Role { IDS, MASK, TYPES }

    static NamedArrayDataset open(Path text, DatasetOptions options) {
        List<String> lines = lines(text);
        HuggingFaceTokens.Batch enc = HuggingFaceTokens.encode(options.tokenizer(), lines, options.maxLength());
        int n = enc.sentences();
        int len = enc.length();
        long[] ids = enc.ids();
        long[] mask = enc.mask();
        long[] types = enc.types();
        Map<Role, Tensor> byRole = Map.of(Role.IDS, Tensor.of(ids, n, len), Role.MASK, Tensor.of(mask, n, len),
                Role.TYPES, Tensor.of(types, n, len));
        List<ValueInfo> inputs = options.inputs();
        Map<String, Tensor> arrays = new LinkedHashMap<>();
        if (inputs == null) {
            arrays.put("input_ids", byRole.get(Role.IDS));
            arrays.put("attention_mask", byRole.get(Role.MASK));
            arrays.put("token_type_ids", byRole.get(Role.TYPES));
        } else {
            for (ValueInfo v : inputs) {
                arrays.put(v.name(), byRole.get(role(v.name())));
            }
        }
        return NamedArrayDataset.of(text + " (text, " + n + " lines, " + len + " tokens)", arrays, null, options);
    }

    static Role role(String inputName) {
        String s = inputName.toLowerCase(Locale.ROOT);
        if (s.contains("mask")) {
            return Role.MASK;
        }
        if (s.contains("type") || s.contains("segment")) {
            return Role.TYPES;
        }
        return Role.IDS;
    }

    private static List<String> lines(Path text) {
        List<String> lines;
        try {
            lines = Files.readAllLines(text, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new LowbitException(text + ": cannot read as UTF-8 text (" + e.getMessage() + ")");
        }
        if (lines.isEmpty()) {
            throw new LowbitException(text + ": no sentences (the file has no non-blank lines)");
        }
        return lines;
    }
}

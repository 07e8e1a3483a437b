package dev.lowbit.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.lowbit.LowbitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tokenizes sentences with a HuggingFace {@code tokenizer.json} through DJL's tokenizers (Rust,
 * native code inside its jar). That dependency is optional in lowbit-core — only text calibration
 * data needs it — so this is the one class that touches it, and it says clearly when it is missing.
 */
final class HuggingFaceTokens {
    private static final String TOKENIZER_CLASS = "ai.djl.huggingface.tokenizers.HuggingFaceTokenizer";

    private HuggingFaceTokens() {
    }

    /** Token ids, attention mask and token types of {@code sentences} sentences, each padded to {@code length}. */
    record Batch(int sentences, int length, long[] ids, long[] mask, long[] types) {
    }

    /** Encodes {@code lines} (truncated to {@code maxLength} tokens, padded to the longest). */
    static Batch encode(Path tokenizerJson, List<String> lines, int maxLength) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new LowbitException(tokenizerJson + ": no such tokenizer file");
        }
        requireTokenizers(tokenizerJson);
        Encoding[] enc;
        try (HuggingFaceTokenizer t = HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerJson)
                .optTruncation(true).optMaxLength(maxLength).optPadding(true).build()) {
            enc = t.batchEncode(lines);
        } catch (IOException | RuntimeException e) {
            throw new LowbitException(tokenizerJson + ": not a usable HuggingFace tokenizer.json (" + e.getMessage() + ")");
        }
        int n = enc.length;
        int len = enc[0].getIds().length;
        long[] ids = new long[n * len];
        long[] mask = new long[n * len];
        long[] types = new long[n * len];
        for (int i = 0; i < n; i++) {
            System.arraycopy(enc[i].getIds(), 0, ids, i * len, len);
            System.arraycopy(enc[i].getAttentionMask(), 0, mask, i * len, len);
            System.arraycopy(enc[i].getTypeIds(), 0, types, i * len, len);
        }
        return new Batch(n, len, ids, mask, types);
    }

    private static void requireTokenizers(Path tokenizerJson) {
        try {
            Class.forName(TOKENIZER_CLASS, false, HuggingFaceTokens.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new LowbitException(tokenizerJson + ": text data needs ai.djl.huggingface:tokenizers on the class path "
                    + "(an optional dependency of lowbit-core; lowbit-cli includes it)");
        }
    }
}

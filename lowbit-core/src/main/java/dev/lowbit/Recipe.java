package dev.lowbit;

/** Where quantizers go, by kind of network. */
public enum Recipe {
    /** {@link #TRANSFORMER} when the graph has attention (a Softmax over a product of two activations), else {@link #CNN}. The default. */
    AUTO,
    /**
     * Integer end to end, as runtimes fuse convolutional networks: weighted ops quantize their input,
     * weight, bias and output; Add, Concat and pooling run quantized.
     */
    CNN,
    /**
     * Only matrix products run in integer; the attention mask, Softmax, LayerNormalization, GELU and
     * residual Adds stay float, because int8 cannot hold their ranges.
     */
    TRANSFORMER;

    /**
     * The recipe named {@code auto}, {@code cnn} or {@code transformer}, as the command line names it.
     *
     * @param name the name, in any case
     * @return the recipe
     * @throws LowbitException for another name
     */
    public static Recipe parse(String name) {
        return name.trim().equalsIgnoreCase("auto") ? AUTO : Conversions.parseRecipe(name);
    }
}

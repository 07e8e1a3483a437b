package dev.lowbit;

/**
 * SmoothQuant (Xiao et al.): divides outlier activation channels by sⱼ = max|xⱼ|^α / max|wⱼ|^(1−α)
 * and multiplies the weights that read them, so per-tensor activation grids stop spending their
 * levels on a few channels. Matters for transformers; a no-op for most CNNs.
 */
public enum SmoothQuantMode {
    /** Never. */
    OFF,
    /**
     * Only where a producer absorbs the division exactly (a LayerNormalization, or a Mul then Add of
     * constants) and only Conv/Gemm/MatMul read the activation: the graph keeps its ops. The default.
     */
    ABSORBED,
    /** Everywhere a weighted op reads an activation, inserting a float Mul where no producer absorbs it. */
    EVERYWHERE
}

package dev.lowbit.ptq;

/**
 * An algorithm that refines a post-training quantization run (see {@link PtqContext} for the
 * order of a run and what each phase may change).
 */
public interface PtqStep {
    /** When the step runs. */
    enum Phase {
        /** Before planning: may rewrite the float graph (e.g. cross-layer equalization). */
        GRAPH,
        /** After round-to-nearest weight quantization: may replace weights or adjust float biases. */
        WEIGHTS,
        /** After activation calibration: may replace activation parameters. */
        ACTIVATIONS
    }

    Phase phase();

    /** A short name for reports and progress, e.g. "cle". */
    String name();

    void apply(PtqContext ctx);
}

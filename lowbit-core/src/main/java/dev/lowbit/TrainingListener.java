package dev.lowbit;

/** Hears how training advances; every method does nothing unless overridden. */
public interface TrainingListener {
    /**
     * An epoch starts.
     *
     * @param epoch  1-based epoch number
     * @param epochs epochs in all
     * @param steps  optimizer steps this epoch will take
     */
    default void epochStart(int epoch, int epochs, long steps) {
    }

    /**
     * An optimizer step was taken.
     *
     * @param epoch        1-based epoch number
     * @param step         1-based step within the epoch
     * @param steps        steps this epoch
     * @param loss         this step's loss
     * @param trainTop1    the epoch's running top-1 on its training batches, a fraction
     * @param learningRate the rate used
     */
    default void step(int epoch, long step, long steps, double loss, double trainTop1, double learningRate) {
    }

    /**
     * An epoch ended: its checkpoint is written and its test scores measured.
     *
     * @param summary what the epoch did
     */
    default void epochEnd(EpochSummary summary) {
    }
}

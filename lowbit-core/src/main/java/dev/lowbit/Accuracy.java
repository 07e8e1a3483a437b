package dev.lowbit;

/**
 * Classifier accuracy against labels. {@link #top1()} and {@link #top5()} are fractions in [0, 1];
 * the {@code Percent} methods say the same in percent. Ties between scores go to the lower class
 * index, as argmax does.
 *
 * @param samples     labelled samples scored
 * @param top1Correct samples whose label has the highest score
 * @param top5Correct samples whose label is among the five highest scores
 */
public record Accuracy(long samples, long top1Correct, long top5Correct) {
    /**
     * Top-1 accuracy.
     *
     * @return the fraction of samples whose label has the highest score (0 without samples)
     */
    public double top1() {
        return samples == 0 ? 0 : (double) top1Correct / samples;
    }

    /**
     * Top-5 accuracy.
     *
     * @return the fraction of samples whose label is among the five highest scores (0 without samples)
     */
    public double top5() {
        return samples == 0 ? 0 : (double) top5Correct / samples;
    }

    /**
     * Top-1 accuracy in percent.
     *
     * @return 100 times {@link #top1()}
     */
    public double top1Percent() {
        return samples == 0 ? 0 : 100.0 * top1Correct / samples;
    }

    /**
     * Top-5 accuracy in percent.
     *
     * @return 100 times {@link #top5()}
     */
    public double top5Percent() {
        return samples == 0 ? 0 : 100.0 * top5Correct / samples;
    }
}

package dev.lowbit;

/** How each weight tensor's (or channel's) range is chosen. */
public enum WeightMethod {
    /** The weights' minimum and maximum: no weight is clipped. The default. */
    MINMAX,
    /** The range that minimises the squared rounding error: clips rare large weights, helps at 4 bits. */
    MSE;

    /**
     * The method named {@code minmax} or {@code mse}, as the command line names it.
     *
     * @param name the name
     * @return the method
     * @throws LowbitException for another name
     */
    public static WeightMethod parse(String name) {
        return switch (name) {
            case "minmax" -> MINMAX;
            case "mse" -> MSE;
            default -> throw new LowbitException("unknown weight method '" + name + "' (expected minmax or mse)");
        };
    }
}

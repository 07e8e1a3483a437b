package dev.lowbit;

/**
 * An operator, or a variant of one (an attribute value, a data type), that lowbit's engine does not
 * implement. Reported when a model is opened in the engine, not halfway through a run.
 */
public class UnsupportedOpException extends LowbitException {
    /**
     * An error naming the operator and what about it is unsupported.
     *
     * @param message the op, its node and the unsupported part
     */
    public UnsupportedOpException(String message) {
        super(message);
    }
}

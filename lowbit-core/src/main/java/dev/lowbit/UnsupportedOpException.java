package dev.lowbit;

/** An operator, or a variant of one (attribute, data type), that the engine does not implement. */
public class UnsupportedOpException extends LowbitException {
    public UnsupportedOpException(String message) {
        super(message);
    }
}

package dev.lowbit;

/**
 * An error caused by the user's input (a file, a model, a flag), whose message is one line that
 * names what is wrong and where. The CLI prints the message alone, without a stack trace.
 */
public class LowbitException extends RuntimeException {
    public LowbitException(String message) {
        super(message);
    }

    public LowbitException(String message, Throwable cause) {
        super(message, cause);
    }
}

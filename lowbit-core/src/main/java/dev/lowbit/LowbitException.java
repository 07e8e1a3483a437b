package dev.lowbit;

/**
 * An error caused by the user's input (a file, a model, data, a setting), whose message is one
 * line that names what is wrong and where: {@code model.onnx: Conv node 'c1': weight has rank 3}.
 * The command line prints the message alone, without a stack trace, and exits with code 2.
 */
public class LowbitException extends RuntimeException {
    /**
     * An error with a one-line message.
     *
     * @param message what is wrong and where
     */
    public LowbitException(String message) {
        super(message);
    }

    /**
     * An error with a one-line message and the exception that revealed it.
     *
     * @param message what is wrong and where
     * @param cause   the underlying exception
     */
    public LowbitException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.vitprune.api;

/**
 * Input a user supplied (a file, a ratio, a plan, a strategy name) is not what was expected.
 * The message names the input and what was expected; front ends print it without a stack trace.
 */
public class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}

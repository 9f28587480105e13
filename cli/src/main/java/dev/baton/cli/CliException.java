package dev.baton.cli;

/** An error the command reports in one line with a chosen exit code. */
final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}

package dev.baton.cli;

/**
 * The exit codes of the {@code baton} command. Codes of our own follow BSD's sysexits where one
 * fits; {@code baton lock} otherwise exits with its command's code, so a command that itself uses
 * one of these numbers cannot be told apart by code alone.
 */
public final class ExitCodes {

    /** Success; for {@code baton lock}, the command exited 0. */
    public static final int OK = 0;
    /** A check failed (the demo found a violation) or the thing asked for does not exist. */
    public static final int FAILED = 1;
    /** Bad usage: unknown option, missing argument (picocli's own code). */
    public static final int USAGE = 2;
    /** The lock was not acquired within {@code --wait} (sysexits EX_TEMPFAIL). */
    public static final int NOT_ACQUIRED = 75;
    /** The backend could not be reached or refused the request (sysexits EX_UNAVAILABLE). */
    public static final int UNAVAILABLE = 69;
    /** An internal error; run with --verbose and report it (sysexits EX_SOFTWARE). */
    public static final int INTERNAL = 70;
    /** The request was refused: a decision already exists, a transaction has not ended. */
    public static final int REFUSED = 77;
    /** Configuration error: unknown key, malformed value, missing setting (sysexits EX_CONFIG). */
    public static final int CONFIG = 78;
    /** {@code baton lock}: the lease was lost while the command ran, and the command was stopped. */
    public static final int LEASE_LOST = 79;
    /** {@code baton lock}: the command could not be started (as in shells). */
    public static final int CANNOT_EXECUTE = 126;
    /** {@code baton lock}: the command was not found (as in shells). */
    public static final int NOT_FOUND = 127;

    private ExitCodes() {
    }
}

package dev.baton.cli;

import dev.baton.lock.LockException;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point of {@code java -jar baton.jar}. */
public final class Main {

    private Main() {
    }

    /** Runs the command and exits with its code (see {@link ExitCodes}). */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command in this process and returns its exit code; for tests and embedding. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with Baton's error handling: one line per error, a trace only with --verbose. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new BatonCommand());
        commandLine.setUsageHelpWidth(100);
        commandLine.setExecutionExceptionHandler((error, cmd, parsed) -> report(error, cmd.getErr(),
                parsed.matchedOption("--verbose") != null || isVerbose(parsed)));
        return commandLine;
    }

    private static boolean isVerbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    static int report(Exception error, PrintWriter err, boolean verbose) {
        int code;
        if (error instanceof IllegalArgumentException || error instanceof NullPointerException) {
            code = ExitCodes.CONFIG;
        } else if (error instanceof LockException) {
            code = ExitCodes.UNAVAILABLE;
        } else if (error instanceof CliException) {
            code = ((CliException) error).exitCode();
        } else {
            code = ExitCodes.INTERNAL;
        }
        err.println("baton: " + oneLine(error));
        if (verbose) {
            error.printStackTrace(err);
        } else if (code == ExitCodes.INTERNAL) {
            err.println("baton: run again with --verbose for the stack trace");
        }
        err.flush();
        return code;
    }

    private static String oneLine(Throwable error) {
        String message = error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
        return message.replace('\n', ' ');
    }
}

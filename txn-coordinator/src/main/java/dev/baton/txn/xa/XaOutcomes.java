package dev.baton.txn.xa;

import javax.transaction.xa.XAException;

/** Names for XA error codes, for messages that say what a resource answered. */
final class XaOutcomes {

    private XaOutcomes() {
    }

    /** {@code XA_RB*}: the resource rolled the branch back (a refusal, not a fault). */
    static boolean rolledBack(XAException e) {
        return e.errorCode >= XAException.XA_RBBASE && e.errorCode <= XAException.XA_RBEND;
    }

    /** {@code XA_HEUR*}: the resource ended the branch on its own. */
    static boolean heuristic(XAException e) {
        return e.errorCode == XAException.XA_HEURCOM || e.errorCode == XAException.XA_HEURRB
                || e.errorCode == XAException.XA_HEURMIX || e.errorCode == XAException.XA_HEURHAZ;
    }

    static String describe(XAException e) {
        String code;
        switch (e.errorCode) {
            case XAException.XA_HEURCOM: code = "XA_HEURCOM (committed on its own)"; break;
            case XAException.XA_HEURRB: code = "XA_HEURRB (rolled back on its own)"; break;
            case XAException.XA_HEURMIX: code = "XA_HEURMIX (partly committed, partly rolled back)"; break;
            case XAException.XA_HEURHAZ: code = "XA_HEURHAZ (may have ended on its own)"; break;
            case XAException.XAER_NOTA: code = "XAER_NOTA (no such branch)"; break;
            case XAException.XAER_RMFAIL: code = "XAER_RMFAIL (resource unavailable)"; break;
            case XAException.XAER_RMERR: code = "XAER_RMERR (resource error)"; break;
            case XAException.XAER_PROTO: code = "XAER_PROTO (protocol error)"; break;
            case XAException.XAER_INVAL: code = "XAER_INVAL (invalid arguments)"; break;
            default:
                code = rolledBack(e) ? "XA_RB" + (e.errorCode - XAException.XA_RBBASE) + " (rolled back)"
                        : "XA error " + e.errorCode;
        }
        Throwable cause = e.getCause();
        return code + (e.getMessage() != null ? ": " + e.getMessage() : "")
                + (cause != null && cause.getMessage() != null ? " (" + cause.getMessage() + ")" : "");
    }
}

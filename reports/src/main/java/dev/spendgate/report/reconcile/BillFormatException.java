package dev.spendgate.report.reconcile;

/** A provider file that cannot be read as the format it claims: names the file, the place and the field. */
public final class BillFormatException extends IllegalArgumentException {
    public BillFormatException(String origin, String message) {
        super(origin + ": " + message);
    }

    public BillFormatException(String origin, String message, Throwable cause) {
        super(origin + ": " + message, cause);
    }
}

package dev.spendgate.domain.routing;

/** A gateway policy file that cannot be loaded; the message names the field and why. Nothing of it is applied. */
public final class PolicyFileException extends RuntimeException {
    private final String field;

    public PolicyFileException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** The offending field as a path, e.g. {@code routes[0].to}. */
    public String field() {
        return field;
    }
}

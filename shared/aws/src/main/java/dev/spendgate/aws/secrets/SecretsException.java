package dev.spendgate.aws.secrets;

/** A secret could not be read or is not in the expected form. Its message never contains the secret's value. */
public class SecretsException extends RuntimeException {
    public SecretsException(String message) {
        super(message);
    }

    public SecretsException(String message, Throwable cause) {
        super(message, cause);
    }
}

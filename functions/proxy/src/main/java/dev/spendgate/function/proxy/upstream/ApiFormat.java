package dev.spendgate.function.proxy.upstream;

/** The wire format a provider speaks. */
public enum ApiFormat {
    OPENAI,
    ANTHROPIC
}

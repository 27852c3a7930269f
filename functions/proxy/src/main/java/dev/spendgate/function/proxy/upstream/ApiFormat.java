package dev.spendgate.function.proxy.upstream;

/** The wire format a provider speaks. */
public enum ApiFormat {
    OPENAI,
    ANTHROPIC,
    /** The Amazon Bedrock runtime API ({@code /model/{modelId}/converse} and its siblings). */
    BEDROCK
}

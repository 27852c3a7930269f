package dev.spendgate.domain.reconcile;

/** The provider bills reconciliation knows, with the provider name the gateway records for their traffic. */
public enum BillSource {
    /** OpenAI organization costs and usage APIs: traffic the gateway records as {@code openai}. */
    OPENAI("openai"),
    /** Anthropic Admin API cost and usage reports: traffic the gateway records as {@code anthropic}. */
    ANTHROPIC("anthropic"),
    /** AWS CUR 2.0 or FOCUS export, Amazon Bedrock lines: traffic the gateway records as {@code bedrock}. */
    AWS("bedrock");

    private final String gatewayProvider;

    BillSource(String gatewayProvider) {
        this.gatewayProvider = gatewayProvider;
    }

    /** The {@code provider} value of the usage records this bill covers. */
    public String gatewayProvider() {
        return gatewayProvider;
    }

    /**
     * Whether the metered calls of {@code provider}, priced with {@code pricedProvider}'s catalog, are traffic this
     * bill covers. The AWS bill covers every provider priced from the Bedrock catalog, whatever its name (a
     * {@code format: bedrock} provider such as {@code bedrock-eu}); the others cover their own provider only (Azure
     * priced as OpenAI is on Microsoft's bill, not OpenAI's).
     */
    public boolean covers(String provider, String pricedProvider) {
        return this == AWS ? gatewayProvider.equals(pricedProvider) : gatewayProvider.equals(provider);
    }

    /** Lower-case name as used in files and flags ({@code openai}, {@code anthropic}, {@code aws}). */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

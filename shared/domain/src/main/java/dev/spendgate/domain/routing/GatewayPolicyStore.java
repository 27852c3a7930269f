package dev.spendgate.domain.routing;

/**
 * Where the gateway's routing and caching policy lives: a file locally, one DynamoDB item in AWS. A stored document
 * that no longer validates is a {@link PolicyFileException}, never a silently empty policy.
 */
public interface GatewayPolicyStore {
    /** The stored policy, or {@link GatewayPolicy#EMPTY} when none was ever saved. */
    GatewayPolicy load();

    /** Replaces the stored policy (validated by the caller through {@link GatewayPolicy#parse}). */
    void save(GatewayPolicy policy);
}

package dev.spendgate.domain.routing;

import java.util.function.UnaryOperator;

/**
 * Where the gateway's routing and caching policy lives: a file locally, one DynamoDB item in AWS. A stored document
 * that no longer validates is a {@link PolicyFileException}, never a silently empty policy.
 */
public interface GatewayPolicyStore {
    /** The stored policy, or {@link GatewayPolicy#EMPTY} when none was ever saved. */
    GatewayPolicy load();

    /** Replaces the stored policy (validated by the caller through {@link GatewayPolicy#parse}). */
    void save(GatewayPolicy policy);

    /**
     * Applies {@code change} to the stored policy and stores the result, with no other writer's save or update
     * between the read and the write: two changes made at once (the console and {@code advisor apply}, two Lambda
     * instances) both land, whichever goes first. {@code change} may run more than once (after losing a race); an
     * exception from it leaves the stored policy as it was.
     *
     * @return the policy stored
     */
    GatewayPolicy update(UnaryOperator<GatewayPolicy> change);
}

package dev.spendgate.function.proxy.admin;

import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import dev.spendgate.domain.routing.PolicyFileException;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * {@code GET /admin/policy} returns the gateway policy (routing rules, response cache, prompt caching); {@code PUT}
 * replaces it after the same load-time checks the gateway makes, its providers and prices included (400 naming the
 * field; nothing stored).
 */
final class GatewayPolicyAdmin {
    private GatewayPolicyAdmin() {}

    static void handle(
            GatewayPolicyStore store, Consumer<GatewayPolicy> check, String method, byte[] body, ResponseSink sink)
            throws IOException {
        switch (method) {
            case "GET" ->
                AdminJson.ok(sink, 200, AdminJson.JSON.readTree(store.load().toJson()));
            case "PUT" -> {
                GatewayPolicy policy;
                try {
                    policy = GatewayPolicy.parse(body);
                    check.accept(policy); // a route to another provider's or an unpriced model
                } catch (PolicyFileException e) {
                    AdminJson.error(sink, 400, "invalid_request_error", e.getMessage(), e.field());
                    return;
                }
                store.save(policy);
                AdminJson.ok(sink, 200, AdminJson.JSON.readTree(policy.toJson()));
            }
            default ->
                AdminJson.error(sink, 405, "invalid_request_error", "Use GET or PUT on /admin/policy.", "method");
        }
    }
}

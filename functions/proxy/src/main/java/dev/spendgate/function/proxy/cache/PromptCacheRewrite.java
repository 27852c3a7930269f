package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.cache.PromptCachePlanner;
import dev.spendgate.domain.fingerprint.PromptFingerprints;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Adds the provider's prompt-cache breakpoint at the end of a request's leading prefix (tools and system prompt):
 * Anthropic Messages {@code cache_control: {"type": "ephemeral"}} (with {@code "ttl": "1h"} for the hour cache) on
 * the last system block, or on the last tool when there is no system prompt; Bedrock Converse a
 * {@code {"cachePoint": {"type": "default"}}} block (with {@code "ttl": "1h"}) after the system blocks, or after the
 * tools. A request that already marks anything itself is left as the client wrote it.
 */
public final class PromptCacheRewrite {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PromptCacheRewrite() {}

    /** The leading prefix of a request: its hash (model included) and text, or empty when it has none. */
    public record Prefix(String hash, String text) {}

    /**
     * Whether the body is in Anthropic's Messages format: the {@code messages} route, or Bedrock InvokeModel of a
     * Claude model (its body names {@code anthropic_version}), where the same {@code cache_control} marks apply.
     */
    static boolean anthropicBody(String endpoint, JsonNode body) {
        return endpoint.equals("messages") || endpoint.equals("bedrock.invoke") && body.has("anthropic_version");
    }

    public static Optional<Prefix> prefix(String endpoint, String model, JsonNode body) {
        String text;
        if (anthropicBody(endpoint, body)) {
            text = textOf(body.get("system")) + "\n"
                    + (body.has("tools") ? body.get("tools").toString() : "");
        } else if (endpoint.equals("bedrock.converse")) {
            text = textOf(body.get("system")) + "\n"
                    + (body.path("toolConfig").has("tools")
                            ? body.path("toolConfig").get("tools").toString()
                            : "");
        } else {
            return Optional.empty();
        }
        if (text.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(
                new Prefix(PromptFingerprints.hash((model + "\n" + text).getBytes(StandardCharsets.UTF_8)), text));
    }

    /** The body with the breakpoint added, or empty when it cannot or should not be added. */
    public static Optional<ObjectNode> withBreakpoint(String endpoint, ObjectNode body, PromptCachePlanner.Ttl ttl) {
        return withBreakpoint(endpoint, body, ttl, true);
    }

    /**
     * The body with the breakpoint added; after the tools (when there is no system prompt) only when {@code tools}
     * (Bedrock caches no tool definitions of Nova models).
     */
    public static Optional<ObjectNode> withBreakpoint(
            String endpoint, ObjectNode body, PromptCachePlanner.Ttl ttl, boolean tools) {
        boolean anthropic = anthropicBody(endpoint, body);
        String marker = anthropic ? "cache_control" : "cachePoint";
        if (body.findValue(marker) != null) {
            return Optional.empty();
        }
        ObjectNode copy = body.deepCopy();
        if (anthropic) {
            ObjectNode control = NODES.objectNode().put("type", "ephemeral");
            if (ttl == PromptCachePlanner.Ttl.ONE_HOUR) {
                control.put("ttl", "1h");
            }
            JsonNode system = copy.get("system");
            if (system != null && system.isTextual() && !system.asText().isEmpty()) {
                ArrayNode blocks = copy.putArray("system");
                blocks.addObject()
                        .put("type", "text")
                        .put("text", system.asText())
                        .set("cache_control", control);
                return Optional.of(copy);
            }
            if (system != null && system.isArray() && !system.isEmpty()) {
                ((ObjectNode) system.get(system.size() - 1)).set("cache_control", control);
                return Optional.of(copy);
            }
            JsonNode toolList = copy.get("tools");
            if (toolList != null && toolList.isArray() && !toolList.isEmpty()) {
                ((ObjectNode) toolList.get(toolList.size() - 1)).set("cache_control", control);
                return Optional.of(copy);
            }
            return Optional.empty();
        }
        if (endpoint.equals("bedrock.converse")) {
            ObjectNode point = NODES.objectNode().put("type", "default");
            if (ttl == PromptCachePlanner.Ttl.ONE_HOUR) {
                point.put("ttl", "1h");
            }
            JsonNode system = copy.get("system");
            if (system != null && system.isArray() && !system.isEmpty()) {
                ((ArrayNode) system).addObject().set("cachePoint", point);
                return Optional.of(copy);
            }
            JsonNode toolList = copy.path("toolConfig").get("tools");
            if (tools && toolList != null && toolList.isArray() && !toolList.isEmpty()) {
                ((ArrayNode) toolList).addObject().set("cachePoint", point);
                return Optional.of(copy);
            }
        }
        return Optional.empty();
    }

    private static String textOf(JsonNode system) {
        if (system == null || system.isNull()) {
            return "";
        }
        if (system.isTextual()) {
            return system.asText();
        }
        StringBuilder s = new StringBuilder();
        for (JsonNode block : system) {
            if (block.hasNonNull("text")) {
                s.append(block.get("text").asText()).append('\n');
            }
        }
        return s.toString();
    }
}

package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.util.Arrays;

/**
 * The text parts of a request, extracted per wire format, for fingerprints and token estimates only (never stored):
 * the system prompt, the reusable prefix (system and every turn before the last), all prompt text, the number of
 * messages (each billed with framing tokens; 0 for embeddings, whose inputs carry none), and the request's output cap ({@code max_tokens}, {@code max_completion_tokens} or
 * {@code max_output_tokens}).
 */
public record PromptText(String system, String prefix, String full, int messages, Long maxOutputTokens) {

    public static PromptText of(Endpoint endpoint, JsonNode body) {
        return switch (endpoint) {
            case CHAT_COMPLETIONS -> chat(body);
            case RESPONSES -> responses(body);
            case EMBEDDINGS -> embeddings(body);
            case MESSAGES -> anthropic(body);
        };
    }

    /**
     * The part of the prompt that varies from call to call: everything after the reusable prefix (the last turn), or
     * all of it when the prefix is not a leading part of the text.
     */
    public String varying() {
        if (prefix == null || prefix.isEmpty() || !full.startsWith(prefix)) {
            return full;
        }
        return full.substring(prefix.length());
    }

    private static PromptText chat(JsonNode body) {
        JsonNode messages = body.path("messages");
        // The pieces of each text, joined once at its exact size (String.join writes the string's own array): a
        // StringBuilder sized up front still cost a buffer the size of the prompt besides the strings made from it.
        String[] all = new String[4 * messages.size()];
        String[] system = null;
        int systems = 0;
        String prefix = "";
        int count = 0;
        for (JsonNode m : messages) {
            if (count == messages.size() - 1) {
                prefix = count == 0 ? "" : String.join("", Arrays.asList(all).subList(0, 4 * count));
            }
            String role = m.path("role").asText();
            String text = content(m.get("content"));
            if (role.equals("system") || role.equals("developer")) {
                if (system == null) {
                    system = new String[2 * messages.size()];
                }
                system[systems++] = text;
                system[systems++] = "\n";
            }
            all[4 * count] = role;
            all[4 * count + 1] = ": ";
            all[4 * count + 2] = text;
            all[4 * count + 3] = "\n";
            count++;
        }
        return new PromptText(
                systems == 0 ? "" : String.join("", Arrays.asList(system).subList(0, systems)),
                prefix,
                String.join("", Arrays.asList(all).subList(0, 4 * count)),
                count,
                largestLong(body, "max_completion_tokens", "max_tokens"));
    }

    private static PromptText responses(JsonNode body) {
        String system = body.path("instructions").asText("");
        StringBuilder all = new StringBuilder(system);
        String prefix = system;
        JsonNode input = body.get("input");
        int count = 0;
        if (input != null && input.isTextual()) {
            all.append('\n').append(input.asText());
            count = 1;
        } else if (input != null && input.isArray()) {
            for (JsonNode item : input) {
                if (count == input.size() - 1) {
                    prefix = all.toString();
                }
                all.append('\n').append(item.path("role").asText()).append(": ");
                all.append(content(item.has("content") ? item.get("content") : item.get("output")));
                count++;
            }
        }
        return new PromptText(system, prefix, all.toString(), count, firstLong(body, "max_output_tokens"));
    }

    /**
     * An embeddings body has no messages: each input (a string, a token-id array, or one of an array of either) is
     * billed at its tokens alone, with no chat framing, so {@code messages} is 0 and a token-id array is never counted
     * as one message per id.
     */
    private static PromptText embeddings(JsonNode body) {
        JsonNode input = body.get("input");
        StringBuilder all = new StringBuilder();
        if (input != null && input.isTextual()) {
            all.append(input.asText());
        } else if (input != null && input.isArray()) {
            for (JsonNode item : input) {
                if (item.isTextual()) {
                    all.append(item.asText()).append('\n');
                }
            }
        }
        return new PromptText("", "", all.toString(), 0, null);
    }

    private static PromptText anthropic(JsonNode body) {
        String system = content(body.get("system"));
        StringBuilder all = new StringBuilder(system);
        String prefix = system;
        JsonNode messages = body.path("messages");
        int count = 0;
        for (JsonNode m : messages) {
            if (count == messages.size() - 1) {
                prefix = all.toString();
            }
            all.append('\n').append(m.path("role").asText()).append(": ").append(content(m.get("content")));
            count++;
        }
        return new PromptText(system, prefix, all.toString(), count, firstLong(body, "max_tokens"));
    }

    /** A message's text: a plain string, or the {@code text} of each content part. */
    static String content(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        if (content.isArray()) {
            for (JsonNode part : content) {
                if (part.isTextual()) {
                    text.append(part.asText());
                } else if (part.hasNonNull("text")) {
                    text.append(part.get("text").asText());
                } else if (part.has("content")) {
                    text.append(content(part.get("content")));
                }
                text.append('\n');
            }
        }
        return text.toString();
    }

    /**
     * The largest of the caps a body gives: a chat body may carry both {@code max_tokens} and {@code
     * max_completion_tokens}, and which one a provider obeys is its own choice, so the worst case takes the larger.
     */
    private static Long largestLong(JsonNode body, String... fields) {
        Long largest = null;
        for (String field : fields) {
            JsonNode v = body.get(field);
            if (v != null && v.canConvertToLong()) {
                largest = largest == null ? v.asLong() : Math.max(largest, v.asLong());
            }
        }
        return largest;
    }

    private static Long firstLong(JsonNode body, String... fields) {
        for (String field : fields) {
            JsonNode v = body.get(field);
            if (v != null && v.canConvertToLong()) {
                return v.asLong();
            }
        }
        return null;
    }
}

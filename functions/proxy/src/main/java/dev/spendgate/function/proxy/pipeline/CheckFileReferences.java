package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Refuses a call that names a file its key may not use. Files live at the provider under the gateway's one provider
 * key, which can read every file of the organisation: a Responses {@code input_file} or {@code input_image} part's
 * {@code file_id}, a chat {@code file} part's {@code file.file_id}, a tool's {@code file_ids} would otherwise have the
 * model read another team's upload back to the caller. Every {@code file_id} and {@code file_ids} value of the body
 * (outside {@code metadata}, the caller's own labels) is checked with {@link FileAccess}: another key's upload is 404,
 * in the error shape {@code /v1/files/{id}} answers another key, recorded as {@code file_not_found}; nothing is
 * forwarded or reserved. A value that is not a file id the gateway could have kept is not looked up (it never saw it,
 * so it passes as an id the gateway never saw does). More than {@value #MAX_FILE_IDS} distinct ids: 400, as each costs
 * object-store reads.
 */
public final class CheckFileReferences implements Stage {
    static final int MAX_FILE_IDS = 100;
    /** The ids the gateway keeps files under ({@code BatchStore.isValidId}). */
    private static final Pattern FILE_ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

    private final FileAccess files;

    public CheckFileReferences(FileAccess files) {
        this.files = Objects.requireNonNull(files, "files");
    }

    @Override
    public Step apply(CallContext ctx) {
        if (ctx.body() == null || ctx.key() == null) {
            return Step.proceed(ctx);
        }
        Map<String, String> named = fileIds(ctx.body());
        if (named.size() > MAX_FILE_IDS) {
            return Step.refuse(
                    ctx,
                    Refusal.of(
                            400,
                            "invalid_request_error",
                            "The request names " + named.size() + " file ids; Spendgate takes at most " + MAX_FILE_IDS
                                    + " a call.",
                            "file_id"));
        }
        for (Map.Entry<String, String> e : named.entrySet()) {
            if (!files.mayReference(ctx.key().id(), e.getKey())) {
                return Step.refuse(
                        ctx,
                        Refusal.of(
                                        404,
                                        ctx.format() == ApiFormat.OPENAI ? "invalid_request_error" : "not_found_error",
                                        "No file found with id '" + e.getKey() + "' for this Spendgate key.",
                                        e.getValue())
                                .recordedAs("file_not_found"));
            }
        }
        return Step.proceed(ctx);
    }

    /** The file ids {@code body} names, each with the path of its first place (e.g. {@code input[0].content[1].file_id}). */
    static Map<String, String> fileIds(JsonNode body) {
        Map<String, String> ids = new LinkedHashMap<>();
        Deque<Map.Entry<String, JsonNode>> todo = new ArrayDeque<>();
        todo.push(Map.entry("", body));
        while (!todo.isEmpty()) {
            Map.Entry<String, JsonNode> at = todo.pop();
            String path = at.getKey();
            JsonNode node = at.getValue();
            if (node.isArray()) {
                for (int i = node.size() - 1; i >= 0; i--) {
                    todo.push(Map.entry(path + "[" + i + "]", node.get(i)));
                }
            } else if (node.isObject()) {
                java.util.List<Map.Entry<String, JsonNode>> fields = new java.util.ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    fields.add(it.next());
                }
                for (int i = fields.size() - 1; i >= 0; i--) {
                    String name = fields.get(i).getKey();
                    JsonNode value = fields.get(i).getValue();
                    String child = path.isEmpty() ? name : path + "." + name;
                    if (name.equals("metadata")) {
                        continue;
                    }
                    if (name.equals("file_id") && value.isTextual()) {
                        add(ids, value.asText(), child);
                    } else if (name.equals("file_ids") && value.isArray()) {
                        for (int j = 0; j < value.size(); j++) {
                            if (value.get(j).isTextual()) {
                                add(ids, value.get(j).asText(), child + "[" + j + "]");
                            }
                        }
                    } else if (value.isContainerNode()) {
                        todo.push(Map.entry(child, value));
                    }
                }
            }
        }
        return ids;
    }

    private static void add(Map<String, String> ids, String id, String path) {
        if (FILE_ID.matcher(id).matches()) {
            ids.putIfAbsent(id, path);
        }
    }
}

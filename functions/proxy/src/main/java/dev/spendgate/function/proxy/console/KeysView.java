package dev.spendgate.function.proxy.console;

import static dev.spendgate.function.proxy.console.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Proxy keys: the list (never a secret), a form that creates one through {@code POST /admin/keys} and shows its secret
 * on the answer page only (nothing keeps it: only its hash is stored), and revocation through {@code DELETE}.
 */
final class KeysView {
    private final AdminCall admin;

    KeysView(AdminCall admin) {
        this.admin = admin;
    }

    void serve(Params params, boolean post, ResponseSink sink) throws IOException {
        if (!post) {
            String revoked = params.get("revoked");
            Reply.html(
                    sink,
                    200,
                    page(
                            revoked == null ? "" : Html.notice("ok", revokedNotice(revoked, params.get("within"))),
                            Params.parse("")));
            return;
        }
        ObjectNode body = AdminCall.JSON.createObjectNode();
        for (String field : new String[] {"name", "environment", "owner", "feature", "department", "team"}) {
            if (params.get(field) != null) {
                body.put(field, params.get(field));
            }
        }
        AdminCall.Answer answer = admin.send("POST", "/admin/keys", body);
        if (!answer.ok()) {
            Reply.html(sink, answer.status(), page(Html.notice("error", answer.message()), params));
            return;
        }
        JsonNode key = answer.body();
        String shown = "<section class=\"card secret\" aria-labelledby=\"secret-h\" role=\"status\">"
                + "<h2 id=\"secret-h\">Key " + esc(key.path("id").asText()) + " created</h2>"
                + "<p>Copy the secret now: it is shown this once and cannot be shown again.</p>"
                + "<p><label for=\"new-secret\">Secret</label> <input id=\"new-secret\" data-testid=\"new-secret\""
                + " readonly size=\"60\" value=\"" + esc(key.path("secret").asText()) + "\"></p></section>";
        Reply.html(sink, 201, page(shown, Params.parse("")));
    }

    void revoke(Params params, ResponseSink sink) throws IOException {
        String id = params.get("id", "");
        AdminCall.Answer answer = admin.send("DELETE", "/admin/keys/" + enc(id), null);
        if (!answer.ok()) {
            Reply.html(sink, answer.status(), page(Html.notice("error", answer.message()), Params.parse("")));
            return;
        }
        long within = answer.body().path("refused_everywhere_within_seconds").asLong(0);
        Reply.redirect(sink, "keys?revoked=" + enc(id) + (within > 0 ? "&within=" + within : ""), null);
    }

    /**
     * What the revocation means for callers: refused at once where every gateway reads the key store directly (local);
     * in AWS, warm Lambda instances trust a key look-up for {@code SPENDGATE_KEY_CACHE_SECONDS}, so the key may still
     * pass there that long.
     */
    static String revokedNotice(String id, String withinSeconds) {
        long within;
        try {
            within = withinSeconds == null ? 0 : Long.parseLong(withinSeconds);
        } catch (NumberFormatException e) {
            within = 0;
        }
        return within > 0
                ? "Revoked key " + id + ". Warm gateway instances may still accept it for up to " + within
                        + " s (their key cache, SPENDGATE_KEY_CACHE_SECONDS); every call after that is refused."
                : "Revoked key " + id + "; the gateway refuses it from now on.";
    }

    private String page(String notice, Params form) {
        AdminCall.Answer list = admin.get("/admin/keys");
        StringBuilder sb = new StringBuilder(notice);
        sb.append("<table data-testid=\"keys-table\"><caption>Proxy keys (secrets are never stored, only their"
                        + " SHA-256)</caption><thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Name</th>")
                .append("<th scope=\"col\">Environment</th><th scope=\"col\">Owner</th><th scope=\"col\">Feature</th>")
                .append("<th scope=\"col\">Department</th><th scope=\"col\">Team</th><th scope=\"col\">Status</th>")
                .append("<th scope=\"col\">Created</th><th scope=\"col\"><span class=\"sr\">Actions</span></th>")
                .append("</tr></thead><tbody>");
        if (list.body().path("keys").isEmpty()) {
            sb.append("<tr><td colspan=\"10\">No keys yet.</td></tr>");
        }
        for (JsonNode k : list.body().path("keys")) {
            boolean enabled = k.path("enabled").asBoolean();
            sb.append("<tr data-key-id=\"")
                    .append(esc(k.path("id").asText()))
                    .append("\"><th scope=\"row\">")
                    .append(esc(k.path("id").asText()))
                    .append("</th>");
            for (String f : new String[] {"name", "environment", "owner", "feature", "department", "team"}) {
                sb.append("<td>").append(esc(k.path(f).asText(""))).append("</td>");
            }
            sb.append("<td>")
                    .append(enabled ? "active" : "revoked")
                    .append("</td><td>")
                    .append(esc(k.path("created_at").asText()))
                    .append("</td><td>");
            if (enabled) {
                sb.append("<form method=\"post\" action=\"key-revoke\"><input type=\"hidden\" name=\"id\" value=\"")
                        .append(esc(k.path("id").asText()))
                        .append("\"><button type=\"submit\" class=\"danger\" aria-label=\"Revoke key ")
                        .append(esc(k.path("name").asText()))
                        .append("\">Revoke</button></form>");
            }
            sb.append("</td></tr>");
        }
        sb.append("</tbody></table><h2 id=\"create-h\">Create a key</h2>")
                .append("<form method=\"post\" action=\"keys\" class=\"card\" aria-labelledby=\"create-h\">")
                .append(Html.input("name", "Name", form.get("name", ""), "e.g. chatbot-prod"))
                .append(Html.input("environment", "Environment", form.get("environment", ""), "e.g. prod"))
                .append(Html.input("owner", "Owner (optional)", form.get("owner", ""), null))
                .append(Html.input("feature", "Default feature (optional)", form.get("feature", ""), null))
                .append(Html.input("department", "Default department (optional)", form.get("department", ""), null))
                .append(Html.input("team", "Default team (optional)", form.get("team", ""), null))
                .append("<button type=\"submit\">Create key</button></form>");
        return Html.page("keys", "Proxy keys", sb.toString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

package dev.spendgate.report.reconcile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.reconcile.ProviderBill;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Fetches a month's cost and usage data from the OpenAI and Anthropic admin APIs, following {@code next_page} until
 * {@code has_more} is false. Admin keys go in headers only; they are never logged nor put in exception messages.
 */
public final class AdminApiClient {
    /** The public endpoints; tests point these at a local server. */
    public static final URI OPENAI = URI.create("https://api.openai.com");

    public static final URI ANTHROPIC = URI.create("https://api.anthropic.com");
    static final int MAX_PAGES = 200;

    private final HttpClient http;
    private final Duration timeout;

    private AdminApiClient(HttpClient http, Duration timeout) {
        this.http = Objects.requireNonNull(http, "http");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    public static AdminApiClient create(Duration timeout) {
        return new AdminApiClient(
                HttpClient.newBuilder().connectTimeout(timeout).build(), timeout);
    }

    /** Days {@code [from, to)} from the OpenAI Costs and Completions Usage APIs. */
    public ProviderBill openAi(URI base, String adminKey, LocalDate from, LocalDate to) {
        adminKey = key(adminKey);
        long start = from.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        long end = to.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        int days = (int) (end - start) / 86_400;
        String range = "start_time=" + start + "&end_time=" + end + "&bucket_width=1d&limit=" + Math.min(180, days);
        List<JsonPages.Page> pages = new ArrayList<>();
        pages.addAll(pages(
                base,
                "/v1/organization/costs?" + range + "&group_by=line_item&group_by=project_id",
                "Authorization",
                "Bearer " + adminKey,
                null,
                "OpenAI costs"));
        pages.addAll(pages(
                base,
                "/v1/organization/usage/completions?" + range
                        + "&group_by=model&group_by=project_id&group_by=api_key_id&group_by=batch",
                "Authorization",
                "Bearer " + adminKey,
                null,
                "OpenAI usage"));
        return OpenAiBill.fromPages(pages, base.getHost() + " admin API");
    }

    /** Days {@code [from, to)} from the Anthropic cost report and messages usage report. */
    public ProviderBill anthropic(URI base, String adminKey, LocalDate from, LocalDate to) {
        adminKey = key(adminKey);
        String range = "starting_at=" + enc(from + "T00:00:00Z") + "&ending_at=" + enc(to + "T00:00:00Z")
                + "&bucket_width=1d&limit=31";
        List<JsonPages.Page> pages = new ArrayList<>();
        pages.addAll(pages(
                base,
                "/v1/organizations/cost_report?" + range + "&group_by[]=workspace_id&group_by[]=description",
                "x-api-key",
                adminKey,
                "2023-06-01",
                "Anthropic cost report"));
        pages.addAll(pages(
                base,
                "/v1/organizations/usage_report/messages?" + range
                        + "&group_by[]=model&group_by[]=workspace_id&group_by[]=api_key_id&group_by[]=service_tier",
                "x-api-key",
                adminKey,
                "2023-06-01",
                "Anthropic usage report"));
        return AnthropicBill.fromPages(pages, base.getHost() + " admin API");
    }

    private List<JsonPages.Page> pages(
            URI base, String pathAndQuery, String authHeader, String authValue, String version, String what) {
        List<JsonPages.Page> pages = new ArrayList<>();
        String page = null;
        for (int n = 1; n <= MAX_PAGES; n++) {
            String url =
                    base.toString().replaceAll("/$", "") + pathAndQuery + (page == null ? "" : "&page=" + enc(page));
            HttpRequest.Builder req =
                    HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("Accept", "application/json");
            try {
                req.header(authHeader, authValue);
            } catch (IllegalArgumentException e) {
                // the JDK's message quotes the value: the key must not reach a log
                throw new AdminApiException(what + ": the admin key is not a valid header value (a line end or other"
                        + " control character inside it?)");
            }
            req.GET();
            if (version != null) {
                req.header("anthropic-version", version);
            }
            HttpResponse<String> res;
            try {
                res = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new AdminApiException(
                        what + ": request failed: " + e.getClass().getSimpleName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AdminApiException(what + ": interrupted");
            }
            if (res.statusCode() != 200) {
                throw new AdminApiException(what + ": HTTP " + res.statusCode()
                        + (res.statusCode() == 401 || res.statusCode() == 403 ? " (is the admin key valid?)" : ""));
            }
            JsonNode json;
            try {
                json = JsonPages.JSON.readTree(res.body());
            } catch (JsonProcessingException e) {
                throw new AdminApiException(what + ": page " + n + " is not JSON");
            }
            pages.addAll(JsonPages.pages(what + " page " + n, json));
            if (!json.path("has_more").asBoolean(false)) {
                return pages;
            }
            page = JsonPages.text(json, "next_page");
            if (page == null) {
                throw new AdminApiException(what + ": has_more without next_page on page " + n);
            }
        }
        throw new AdminApiException(what + ": more than " + MAX_PAGES + " pages");
    }

    /** The key without the white space around it (a secret pasted with its line end). */
    private static String key(String adminKey) {
        Objects.requireNonNull(adminKey, "adminKey");
        return adminKey.strip();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The admin API could not be read; the message carries no key. */
    public static final class AdminApiException extends RuntimeException {
        public AdminApiException(String message) {
            super(message);
        }
    }
}

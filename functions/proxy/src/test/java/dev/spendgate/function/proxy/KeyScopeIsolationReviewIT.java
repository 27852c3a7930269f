package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 21): client-chosen ids (session, run) and key attributes across two teams' keys, and the admin API's
 * key creation, through a real local gateway in front of the fake upstream.
 */
class KeyScopeIsolationReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "adm-7d21e0c4";

    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private static String chat(String model, int maxTokens) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}";
    }

    private HttpRequest.Builder postAs(String secret, String path, String body) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpRequest.Builder admin(String path) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN);
    }

    /**
     * The session breaker counts a session id across every key: team A's burst under its session {@code s-1} refuses
     * team B's first call under its own {@code s-1}. Session ids are the clients' own (README, Finance reports:
     * "session ids are the clients' own, so another key's {@code s-1} is another session"; the monthly report tracks
     * outcome sessions per key); the breaker is "per {@code X-Cost-Session}" of a caller, not a global counter that one
     * tenant can exhaust for another.
     */
    @Test
    void sessionBreaker_anotherKeysSameSessionId_isNotRefused() {
        Clock clock = Clock.fixed(Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(15), ZoneOffset.UTC);
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_SESSION_CALLS_PER_MINUTE", "2"), clock);
        String teamB = ProxyKeys.newSecret();
        gw.newKey(teamB, "search-prod", new Attribution("search", "growth", "search", "prod", null, null, null));

        for (int i = 0; i < 2; i++) {
            assertThat(gw.send(gw.post("/v1/chat/completions", chat("gpt-4o-mini", 20))
                                    .header("X-Cost-Session", "s-1"))
                            .statusCode())
                    .isEqualTo(200);
        }
        HttpResponse<String> otherTeam = gw.send(
                postAs(teamB, "/v1/chat/completions", chat("gpt-4o-mini", 20)).header("X-Cost-Session", "s-1"));

        assertThat(otherTeam.statusCode())
                .as("team B's first call in its own session s-1: %s", otherTeam.body())
                .isEqualTo(200);
    }

    /**
     * A {@code run:*} budget gives "every agent run" its own limit (README, Budgets), but the run is its id alone:
     * team A's run {@code nightly-1} spends the limit and team B's run {@code nightly-1}, another job of another key,
     * is refused 429 on A's spend. Run ids are client-chosen like session ids; B has spent nothing.
     */
    @Test
    void eachRunBudget_anotherKeysRunWithTheSameId_hasItsOwnLimit() {
        gw = GatewayFixture.embedded(dir, Map.of());
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("run:*"),
                        BudgetPeriod.LIFETIME,
                        new BigDecimal("0.10"),
                        Mode.BLOCK,
                        List.of(),
                        null,
                        null));
        String teamB = ProxyKeys.newSecret();
        gw.newKey(teamB, "search-prod", new Attribution("search", "growth", "search", "prod", null, null, null));

        // team A's run spends $0.15 of input (1M gpt-4o-mini tokens, as the provider reports them)
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(1_000_000));
        HttpResponse<String> a =
                gw.send(gw.post("/v1/chat/completions", chat("gpt-4o-mini", 20)).header("X-Cost-Run", "nightly-1"));
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);

        HttpResponse<String> b = gw.send(
                postAs(teamB, "/v1/chat/completions", chat("gpt-4o-mini", 20)).header("X-Cost-Run", "nightly-1"));

        assertThat(b.statusCode())
                .as("team B's run nightly-1 has spent nothing of its $0.10: %s", b.body())
                .isEqualTo(200);
    }

    /**
     * {@code POST /admin/keys} with a misspelt attribution field ({@code departement}) answers 201 and stores a key
     * without a department: every call of it is recorded {@code attributed: false}, lands in no department's spend and
     * escapes the department's block budget, without a word. README (Endpoints, Keys): "A bad field gets 400 naming
     * it", as {@code keys create} refuses an unknown option (exit 2, nothing stored), and as {@code PUT /admin/budgets}
     * refuses "a field it does not know (a misspelling such as {@code alerts_at})".
     */
    @Test
    void adminKeys_misspeltAttributionField_is400NamingItAndStoresNothing() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        int before = gw.keys.list().size();

        HttpResponse<String> created = gw.send(admin("/admin/keys")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"eng-bot\",\"environment\":\"prod\","
                        + "\"feature\":\"eng-bot\",\"departement\":\"engineering\"}")));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(created.body());
        assertThat(error.at("/error/param").asText()).isEqualTo("departement");
        assertThat(gw.keys.list()).hasSize(before);
    }
    /**
     * {@code PUT /admin/budgets} takes a {@code key:} scope naming no key, here the key's name where its id belongs
     * ({@code keys list} prints both; README: "scopes {@code key:ID}"). Key ids are random, so such a budget can never
     * apply: a block budget that governs nothing, answered 200, and the key's calls run on without a cap. README
     * (Budgets): "A bad field gets 400 naming it ... and nothing changes".
     */
    @Test
    void budgetOnKeyScope_namingNoKey_is400NamingScope() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> put = gw.send(admin("/admin/budgets")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"scope\":\"key:" + gw.key.name()
                        + "\",\"period\":\"monthly\",\"limit_usd\":\"0\",\"mode\":\"block\"}")));

        assertThat(put.statusCode()).as(put.body()).isEqualTo(400);
        assertThat(JSON.readTree(put.body()).at("/error/param").asText()).isEqualTo("scope");
        assertThat(gw.runtime.budgetStores().policies().list()).isEmpty();
    }
    /**
     * A key stored with {@code department: engineering} whose department's block budget is spent sends {@code
     * X-Cost-Department: legal}: it is served and legal's budget pays. The README calls the header "a cost label any
     * caller may set" and keeps the response cache to the key's stored department for that reason (Routing and
     * caching), yet a block budget, what a CFO trusts to cap a department, follows the label: engineering escapes its
     * cap and spends legal's (LiteLLM binds a team budget to the key's team). Expected: the stored department's budget
     * decides (429 here), or the claim is refused; either way nothing reaches the provider and legal pays nothing.
     */
    @Test
    void departmentBlockBudget_keyClaimingAnotherDepartmentByHeader_isNotServedOnItsBudget() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        String eng = ProxyKeys.newSecret();
        gw.newKey(eng, "eng-bot", new Attribution("eng-bot", "engineering", "platform", "prod", null, null, null));
        for (String scope : List.of("department:engineering", "department:legal")) {
            gw.runtime
                    .budgetStores()
                    .policies()
                    .put(new BudgetPolicy(
                            BudgetScope.parse(scope),
                            BudgetPeriod.MONTHLY,
                            new BigDecimal("0.10"),
                            Mode.BLOCK,
                            List.of(),
                            null,
                            null));
        }
        // engineering spends $0.15 of its $0.10 (1M gpt-4o-mini input tokens as the provider reports them)
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(1_000_000));
        assertThat(gw.send(postAs(eng, "/v1/chat/completions", chat("gpt-4o-mini", 20)))
                        .statusCode())
                .isEqualTo(200);
        assertThat(gw.send(postAs(eng, "/v1/chat/completions", chat("gpt-4o-mini", 20)))
                        .statusCode())
                .as("engineering's own budget is spent")
                .isEqualTo(429);
        int forwarded = gw.upstream.requestCount();

        HttpResponse<String> claimed = gw.send(
                postAs(eng, "/v1/chat/completions", chat("gpt-4o-mini", 20)).header("X-Cost-Department", "legal"));

        assertThat(claimed.statusCode()).as(claimed.body()).isNotEqualTo(200);
        assertThat(gw.upstream.requestCount()).isEqualTo(forwarded);
        JsonNode status =
                JSON.readTree(gw.send(admin("/admin/budgets/status").GET()).body());
        for (JsonNode b : status.get("budgets")) {
            if (b.get("scope").asText().equals("department:legal")) {
                assertThat(b.get("spent_usd").decimalValue()).isEqualByComparingTo("0");
            }
        }
    }
}

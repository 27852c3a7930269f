package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * README "Configuration": {@code SPENDGATE_ALERT_WEBHOOK_URL} is a Slack-compatible webhook; its path is the
 * credential, so a refusal names the variable and never repeats the value.
 */
class AlertWebhookUrlTest {
    private static final String SECRET_PART = "B000/XXXXXXXXsecret";

    @Test
    void configPrinted_showsNeitherTheWebhookPathNorTheAdminToken() {
        String adminToken = "admin-token-never-printed-0123456789";
        ProxyConfig config = ProxyConfig.fromEnv(Map.of(
                "SPENDGATE_ALERT_WEBHOOK_URL",
                "https://hooks.slack.com/services/T000/" + SECRET_PART,
                "SPENDGATE_ADMIN_TOKEN",
                adminToken,
                "OPENAI_API_KEY",
                "sk-never-printed-0123456789"));

        assertThat(config.toString())
                .contains("hooks.slack.com", "adminToken=(set)")
                .doesNotContain(SECRET_PART, "T000", adminToken, "sk-never-printed");
    }

    @Test
    void urlWithAnIllegalCharacter_isRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of(
                        "SPENDGATE_ALERT_WEBHOOK_URL", "https://hooks.slack.com/services/T000/" + SECRET_PART + " x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_ALERT_WEBHOOK_URL")
                .hasMessageNotContaining(SECRET_PART);
    }

    @Test
    void urlWithoutScheme_isRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> ProxyConfig.fromEnv(
                        Map.of("SPENDGATE_ALERT_WEBHOOK_URL", "hooks.slack.com/services/T000/" + SECRET_PART)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_ALERT_WEBHOOK_URL")
                .hasMessageContaining("scheme")
                .hasMessageNotContaining(SECRET_PART);
    }

    @Test
    void hostWithAnUnderscore_isRefusedSayingWhy() {
        // a Compose service name such as alert_relay: the HTTP client cannot address it, so the start says so
        assertThatThrownBy(() -> ProxyConfig.fromEnv(
                        Map.of("SPENDGATE_ALERT_WEBHOOK_URL", "http://alert_relay:8080/" + SECRET_PART)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_ALERT_WEBHOOK_URL")
                .hasMessageContaining("underscore")
                .hasMessageNotContaining(SECRET_PART);
    }

    @Test
    void otherScheme_isRefused() {
        assertThatThrownBy(() -> ProxyConfig.fromEnv(
                        Map.of("SPENDGATE_ALERT_WEBHOOK_URL", "ftp://hooks.example.com/" + SECRET_PART)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_ALERT_WEBHOOK_URL")
                .hasMessageNotContaining(SECRET_PART);
    }

    @Test
    void httpsUrl_isTaken() {
        String url = "https://hooks.slack.com/services/T000/" + SECRET_PART;
        assertThat(ProxyConfig.fromEnv(Map.of("SPENDGATE_ALERT_WEBHOOK_URL", url))
                        .alertWebhookUrl())
                .isEqualTo(url);
    }
}

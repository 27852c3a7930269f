package dev.spendgate.aws.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import org.junit.jupiter.api.Test;

class SecretsManagerSecretsTest {

    @Test
    void parse_flatObject_returnsValuesInFieldOrder() {
        var values = SecretsManagerSecrets.parse(
                "spendgate/providers", "{\"OPENAI_API_KEY\":\"sk-1\",\"ANTHROPIC_API_KEY\":\"sk-ant-2\"}");

        assertThat(values).containsExactly(entry("OPENAI_API_KEY", "sk-1"), entry("ANTHROPIC_API_KEY", "sk-ant-2"));
    }

    @Test
    void parse_numbersBooleansAndNulls_becomeTextOrAreLeftOut() {
        var values = SecretsManagerSecrets.parse("s", "{\"port\":5432,\"tls\":true,\"unused\":null}");

        assertThat(values).containsOnly(entry("port", "5432"), entry("tls", "true"));
    }

    @Test
    void parse_notJson_throwsWithoutQuotingTheValue() {
        assertThatThrownBy(() -> SecretsManagerSecrets.parse("spendgate/providers", "sk-live-very-secret"))
                .isInstanceOf(SecretsException.class)
                .hasMessageContaining("spendgate/providers")
                .hasNoCause()
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-live-very-secret"));
    }

    @Test
    void parse_nestedValue_throwsNamingTheFieldNotTheValue() {
        assertThatThrownBy(() -> SecretsManagerSecrets.parse("s", "{\"OPENAI\":{\"key\":\"sk-hidden\"}}"))
                .isInstanceOf(SecretsException.class)
                .hasMessageContaining("OPENAI")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-hidden"));
    }

    @Test
    void parse_arrayOrString_throwsSecretsException() {
        assertThatThrownBy(() -> SecretsManagerSecrets.parse("s", "[\"sk-1\"]")).isInstanceOf(SecretsException.class);
        assertThatThrownBy(() -> SecretsManagerSecrets.parse("s", "\"sk-1\"")).isInstanceOf(SecretsException.class);
    }
}

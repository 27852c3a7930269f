package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What every {@link GatewayPolicyStore} must do; extend once per adapter. */
public abstract class GatewayPolicyStoreContract {
    private static final GatewayPolicy POLICY =
            GatewayPolicy.parse(("{\"allowed_moves\": {\"openai\": [\"gpt-4o>gpt-4o-mini\"]},"
                            + " \"routes\": [{\"id\": \"r1\", \"from\": \"gpt-4o\", \"to\": \"gpt-4o-mini\","
                            + " \"feature\": \"triage\", \"share_percent\": \"25\"}],"
                            + " \"cache\": [{\"feature\": \"faq\", \"mode\": \"semantic\"}]}")
                    .getBytes(StandardCharsets.UTF_8));

    protected abstract GatewayPolicyStore newStore();

    protected abstract GatewayPolicyStore reopenStore();

    @Test
    void load_nothingSaved_isTheEmptyPolicy() {
        assertThat(newStore().load()).isEqualTo(GatewayPolicy.EMPTY);
    }

    @Test
    void load_afterSave_isTheSavedPolicyForEveryInstance() {
        newStore().save(POLICY);

        assertThat(reopenStore().load()).isEqualTo(POLICY);
    }

    @Test
    void save_again_replacesThePolicy() {
        GatewayPolicyStore store = newStore();
        store.save(POLICY);

        store.save(GatewayPolicy.EMPTY);

        assertThat(reopenStore().load()).isEqualTo(GatewayPolicy.EMPTY);
    }
}

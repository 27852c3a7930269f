package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.routing.AppliedChange;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    @Test
    void update_fromManyWritersAtOnce_keepsEveryChange() throws Exception {
        newStore().save(POLICY);
        int writers = 4;
        int changesEach = 5;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            for (int w = 0; w < writers; w++) {
                GatewayPolicyStore store = reopenStore(); // as a second gateway instance or the CLI would
                String writer = "w" + w;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < changesEach; i++) {
                        String id = writer + "-" + i;
                        store.update(current -> current.withApplied(
                                new AppliedChange(id, "route", id, writer, Instant.EPOCH, BigDecimal.ONE, "window")));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }

        GatewayPolicy stored = reopenStore().load();
        assertThat(stored.applied()).hasSize(writers * changesEach);
        assertThat(stored.routes()).isEqualTo(POLICY.routes());
    }

    @Test
    void update_whoseChangeFails_leavesThePolicyAsItWas() {
        GatewayPolicyStore store = newStore();
        store.save(POLICY);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.update(current -> {
                    throw new IllegalArgumentException("refused");
                }))
                .hasMessage("refused");

        assertThat(reopenStore().load()).isEqualTo(POLICY);
    }
}

package dev.spendgate.function.proxy.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The console's confirmation of a revocation: an operator revoking a leaked key must not read "refused from now on"
 * while warm AWS instances still accept it for their key cache's time.
 */
class KeysViewRevokedNoticeTest {

    @Test
    void revokedNotice_awsKeyCache_saysWarmInstancesMayStillAcceptItThatLong() {
        assertThat(KeysView.revokedNotice("key_1", "30"))
                .contains("key_1")
                .contains("up to 30 s")
                .contains("SPENDGATE_KEY_CACHE_SECONDS")
                .doesNotContain("from now on");
    }

    @Test
    void revokedNotice_localOrUnknown_saysRefusedAtOnce() {
        assertThat(KeysView.revokedNotice("key_1", null)).contains("refuses it from now on");
        assertThat(KeysView.revokedNotice("key_1", "0")).contains("refuses it from now on");
        assertThat(KeysView.revokedNotice("key_1", "<script>")).contains("refuses it from now on");
    }
}

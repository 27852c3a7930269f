package dev.spendgate.function.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.embedded.FileGatewayPolicyStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README, Routing and caching: "Locally the policy is {@code <data-dir>/policy/gateway-policy.json}; a running
 * {@code ./spendgate local} re-reads it within a second." {@link dev.spendgate.function.proxy.local.LocalGatewayRuntime}
 * builds the {@link ReloadingPolicy} on {@code Clock.systemUTC()}, the wall clock, which NTP may step back (a VM that
 * booted with its clock ahead, a resumed snapshot): the next re-read is then as far away as the step.
 */
class PolicyReloadClockStepReviewTest {
    @TempDir
    Path dataDir;

    /** The machine's wall clock, stepped by the test as NTP would. */
    private static final class WallClock extends Clock {
        Instant now = Instant.parse("2026-12-06T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void clockSteppedBackAnHour_aPolicyWrittenLaterIsStillInForceWithinASecond() throws Exception {
        Path file = dataDir.resolve("policy/gateway-policy.json");
        WallClock clock = new WallClock();
        ReloadingPolicy policy =
                new ReloadingPolicy(new FileGatewayPolicyStore(file), Duration.ofSeconds(1), clock, e -> {});
        assertThat(policy.get()).isEqualTo(GatewayPolicy.EMPTY);

        clock.now = clock.now.minus(Duration.ofHours(1)); // NTP corrects a clock that ran an hour ahead
        byte[] json = "{\"cache\": [{\"feature\": \"faq\", \"mode\": \"exact\", \"ttl_seconds\": 600}]}"
                .getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(file.getParent());
        Files.write(file, json); // the operator (or `advisor apply`) writes a policy
        clock.now = clock.now.plusSeconds(2); // two real seconds later

        assertThat(policy.get())
                .as("the policy in force two seconds after it was written")
                .isEqualTo(GatewayPolicy.parse(json));
    }
}

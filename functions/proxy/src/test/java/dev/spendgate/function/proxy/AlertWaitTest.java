package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * After a Lambda invocation has answered, a pending budget alert gets a moment to go out before Lambda may freeze the
 * environment; that moment must end before the invocation's deadline, or Lambda times it out and resets the
 * environment with whatever records a failed flush left buffered.
 */
class AlertWaitTest {
    @Test
    void alertWait_plentyOfTimeLeft_waitsTheUsualTwoSeconds() {
        assertThat(GatewayRuntime.alertWait(Duration.ofMinutes(10))).isEqualTo(Duration.ofSeconds(2));
        assertThat(GatewayRuntime.alertWait(null)).as("no deadline known").isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void alertWait_invocationNearItsDeadline_endsHalfASecondBeforeIt() {
        assertThat(GatewayRuntime.alertWait(Duration.ofMillis(1_200))).isEqualTo(Duration.ofMillis(700));
        assertThat(GatewayRuntime.alertWait(Duration.ofMillis(400))).isEqualTo(Duration.ZERO);
        assertThat(GatewayRuntime.alertWait(Duration.ZERO)).isEqualTo(Duration.ZERO);
    }
}

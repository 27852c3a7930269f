package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbAlertOutbox;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.function.proxy.budget.AlertOutboxTest.Down;
import dev.spendgate.function.proxy.budget.AlertOutboxTest.Up;
import dev.spendgate.function.proxy.lambda.LeftOverAlerts;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * README "Budgets", alerts, in AWS: a Lambda environment frozen for good while SNS was failing (reclaimed, or never
 * invoked again) had kept its alert in the budgets table; of two other environments that look between their
 * invocations, one sends it, once, and the table forgets it.
 */
class LambdaLeftOverAlertsIT {
    private static final BudgetAlert ALERT = new BudgetAlert(
            "feature:chatbot/monthly",
            "chatbot",
            "2026-12",
            80,
            new BigDecimal("500"),
            new BigDecimal("400.12"),
            BudgetPolicy.Mode.BLOCK,
            Instant.parse("2026-12-05T10:00:00Z"));

    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();

    @Test
    void alertAnEnvironmentFrozenMidRetryKept_isSentOnceByAnotherEnvironment() {
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        // kept ten minutes ago by an environment whose retries (an hour apart) never ran again
        Clock tenMinutesAgo = Clock.fixed(Instant.now().minus(Duration.ofMinutes(10)), ZoneOffset.UTC);
        new BackgroundAlertSink(
                        new Down(),
                        new DynamoDbAlertOutbox(dynamoDb, table, tenMinutesAgo),
                        List.of(Duration.ofHours(1)))
                .send(ALERT);

        Up snsOfB = new Up();
        Up snsOfC = new Up();
        BackgroundAlertSink b = new BackgroundAlertSink(snsOfB, new DynamoDbAlertOutbox(dynamoDb, table));
        BackgroundAlertSink c = new BackgroundAlertSink(snsOfC, new DynamoDbAlertOutbox(dynamoDb, table));
        AtomicLong nanos = new AtomicLong(0);
        LeftOverAlerts betweenInvocationsOfB = new LeftOverAlerts(b, nanos::get);
        LeftOverAlerts betweenInvocationsOfC = new LeftOverAlerts(c, nanos::get);

        betweenInvocationsOfB.run(); // just started: not due yet
        assertThat(b.awaitIdle(Duration.ofSeconds(10))).isTrue();
        assertThat(snsOfB.received).isEmpty();

        nanos.set(Duration.ofSeconds(61).toNanos());
        betweenInvocationsOfB.run();
        betweenInvocationsOfC.run();
        assertThat(b.awaitIdle(Duration.ofSeconds(10))).isTrue();
        assertThat(c.awaitIdle(Duration.ofSeconds(10))).isTrue();

        assertThat(snsOfB.received).containsExactly(ALERT);
        assertThat(snsOfC.received).as("claimed by the other environment").isEmpty();
        assertThat(new DynamoDbAlertOutbox(dynamoDb, table).olderThan(Duration.ZERO))
                .as("delivered, forgotten")
                .isEmpty();
    }
}

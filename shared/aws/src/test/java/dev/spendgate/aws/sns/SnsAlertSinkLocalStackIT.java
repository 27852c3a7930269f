package dev.spendgate.aws.sns;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.spendgate.aws.SharedLocalStack;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.sns.SnsClient;

/** SnsAlertSink against LocalStack's SNS; skipped where there is no Docker engine. */
@Testcontainers(disabledWithoutDocker = true)
class SnsAlertSinkLocalStackIT {
    @Test
    void send_existingTopic_publishes() {
        try (SnsClient sns = SharedLocalStack.clients().sns()) {
            String topic = sns.createTopic(b -> b.name("spendgate-alerts-it")).topicArn();
            assertThatCode(() -> new SnsAlertSink(sns, topic).send(SnsAlertSinkTest.ALERT))
                    .doesNotThrowAnyException();
            sns.deleteTopic(b -> b.topicArn(topic));
        }
    }
}

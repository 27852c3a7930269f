package dev.spendgate.domain.gatewaycost;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * The budgets table has a global secondary index, {@code reservations-by-expiry} (DynamoDbTables / infra Storage:
 * partition key {@code resv_shard}, sort key {@code expires_at_ms}, keys only), and every journal entry a budgeted call
 * opens carries both keys (DynamoDbReservationJournal#open), so it is written to that index too; the entry's delete
 * once the record is durable (#endSettled) removes it from the index again. DynamoDB bills those index writes as
 * write request units of their own: "If a write to a table adds an item to a global secondary index ... one write
 * ... deleting an item that is in the index consumes one write" (Amazon DynamoDB Developer Guide, "Provisioned
 * throughput considerations for Global Secondary Indexes", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes;
 * on-demand tables are billed the same units, https://aws.amazon.com/dynamodb/pricing/on-demand/). The confirmation
 * and the settled mark change no index key nor projected attribute (keys only), so they add none.
 *
 * <p>DeployedStackIT counts requests on the wire, where index writes never show: the README's "6 with one budget, 10
 * with three" misses two billed write units per budgeted call.
 */
class JournalIndexWritesReviewTest {

    @Test
    void measured_budgetedCall_countsTheJournalEntrysIndexWrites() {
        CallProfile one = CallProfile.measured(1, 4_053, 1024, false, CallProfile.Delivery.FIREHOSE);
        CallProfile three = CallProfile.measured(3, 4_053, 1024, false, CallProfile.Delivery.FIREHOSE);
        CallProfile none = CallProfile.measured(0, 4_053, 1024, false, CallProfile.Delivery.FIREHOSE);

        // table: journal put, confirm, settled mark, delete, and a reserve and a settle per budget;
        // index: the entry's put into reservations-by-expiry and its removal
        assertThat(one.dynamoDbWriteUnits()).isEqualByComparingTo("8");
        assertThat(three.dynamoDbWriteUnits()).isEqualByComparingTo("12");
        // no budget: no journal entry on AWS, no index write
        assertThat(none.dynamoDbWriteUnits()).isEqualByComparingTo("0");
    }

    @Test
    void perMillionCalls_oneBudget_dynamoDbIncludesIndexWrites() {
        GatewayCostModel model = GatewayCostModel.create(AwsPrices.US_EAST_1);
        CallProfile deployed = CallProfile.measured(1, 4_053, 1024, false, CallProfile.Delivery.FIREHOSE);

        BigDecimal dynamo = model.perMillionCalls(deployed).of(AwsService.DYNAMODB);

        // 8 WRU x $0.625 + 0.5 RRU x $0.125 per million: $5.0625, where the README's table says $3.81
        assertThat(GatewayCostModel.Breakdown.cents(dynamo)).isEqualByComparingTo("5.06");
    }
}

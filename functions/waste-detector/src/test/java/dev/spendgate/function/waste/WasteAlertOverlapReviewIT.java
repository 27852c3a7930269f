package dev.spendgate.function.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.simulate.Simulation;
import dev.spendgate.domain.simulate.TrafficSimulator;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.testing.aws.LocalS3;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * EventBridge Scheduler and Lambda's asynchronous invocation deliver at least once (the report function's email claim
 * exists for exactly this): two invocations of the same day's waste run that overlap. The README promises a day's
 * findings alert once ("a retried run finds its day's .alerted marker there and does not alert twice").
 */
class WasteAlertOverlapReviewIT {
    static final YearMonth MONTH = YearMonth.of(2026, 10);
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-01T03:00:07Z"), ZoneOffset.UTC);

    @Test
    void twoOverlappingInvocationsOfOneDay_alertTheTopFindingsOnce() throws Exception {
        LocalS3 local = LocalS3.shared();
        S3ObjectStore s3 = new S3ObjectStore(local.clientBuilder().build(), local.createUniqueBucket("overlap"));
        List<ProxyKey> keys = new ArrayList<>();
        List<BudgetPolicy> policies = new ArrayList<>();
        Simulation.write(
                TrafficSimulator.create(
                        PricingCatalog.bundled(), new TrafficSimulator.Settings(MONTH, 5, 5_000, false)),
                MONTH,
                s3,
                keys(keys),
                policies(policies),
                CLOCK,
                (d, n) -> {});
        Governance governance = new Governance(keys, policies);
        CyclicBarrier bothLooked = new CyclicBarrier(2);
        ObjectStore store = new Delegating(s3) {
            @Override
            public Optional<byte[]> get(String key) {
                Optional<byte[]> found = super.get(key);
                if (key.endsWith(".alerted")) {
                    try {
                        // both invocations have looked for the day's marker before either alerts
                        bothLooked.await(20, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        // only one looked (a fixed run need not look at all)
                    }
                }
                return found;
            }
        };
        List<AlertSink.Notice> notices = new CopyOnWriteArrayList<>();
        AlertSink topic = new AlertSink() {
            @Override
            public void send(dev.spendgate.domain.budget.BudgetAlert alert) {}

            @Override
            public void send(Notice notice) {
                notices.add(notice);
            }
        };
        Map<String, Object> event = Map.of("time", "2026-11-01T03:00:00Z");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> runs = List.of(
                    pool.submit(() -> new WasteDetectorHandler(store, () -> governance, topic, CLOCK, 5)
                            .handleRequest(event, null)),
                    pool.submit(() -> new WasteDetectorHandler(store, () -> governance, topic, CLOCK, 5)
                            .handleRequest(event, null)));
            for (Future<?> f : runs) {
                try {
                    f.get(5, TimeUnit.MINUTES);
                } catch (java.util.concurrent.ExecutionException e) {
                    // a run that lost a claim may fail; what counts is what the topic received
                }
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(notices)
                .filteredOn(n -> n.subject().equals("Spendgate waste findings for 2026-11-01"))
                .as("waste alerts for 2026-11-01 on the topic")
                .hasSize(1);
    }

    /** Passes every call to {@code inner}. */
    static class Delegating implements ObjectStore {
        private final ObjectStore inner;

        Delegating(ObjectStore inner) {
            this.inner = inner;
        }

        @Override
        public void put(String key, byte[] content) {
            inner.put(key, content);
        }

        @Override
        public boolean putIfAbsent(String key, byte[] content) {
            return inner.putIfAbsent(key, content);
        }

        @Override
        public void delete(String key) {
            inner.delete(key);
        }

        @Override
        public Optional<byte[]> get(String key) {
            return inner.get(key);
        }

        @Override
        public Optional<InputStream> open(String key) {
            return inner.open(key);
        }

        @Override
        public List<String> list(String prefix) {
            return inner.list(prefix);
        }

        @Override
        public List<Listed> listWithSizes(String prefix) {
            return inner.listWithSizes(prefix);
        }
    }

    static KeyStore keys(List<ProxyKey> keys) {
        return new KeyStore() {
            @Override
            public void create(ProxyKey key) {
                keys.add(key);
            }

            @Override
            public Optional<ProxyKey> findByHash(String keyHash) {
                return Optional.empty();
            }

            @Override
            public Optional<ProxyKey> findById(String id) {
                return keys.stream().filter(k -> k.id().equals(id)).findFirst();
            }

            @Override
            public List<ProxyKey> list() {
                return List.copyOf(keys);
            }

            @Override
            public boolean revoke(String id) {
                return false;
            }
        };
    }

    static BudgetPolicyStore policies(List<BudgetPolicy> policies) {
        return new BudgetPolicyStore() {
            @Override
            public void put(BudgetPolicy policy) {
                policies.add(policy);
            }

            @Override
            public Optional<BudgetPolicy> find(String id) {
                return policies.stream().filter(p -> p.id().equals(id)).findFirst();
            }

            @Override
            public List<BudgetPolicy> list() {
                return List.copyOf(policies);
            }

            @Override
            public boolean delete(String id) {
                return false;
            }
        };
    }
}

package dev.spendgate.function.proxy.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.http.Headers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A gateway just started answers every one of many connections opened at the same moment: each of 16 simultaneous
 * first calls gets its answer, start after start.
 */
class FirstConnectionsIT {
    private static final int STARTS = 50;
    private static final int CONNECTIONS = 16;

    @Test
    void start_sixteenSimultaneousFirstCalls_everyOneAnswered() throws Exception {
        List<String> failures = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            for (int start = 0; start < STARTS; start++) {
                LocalGatewayServer server = LocalGatewayServer.start(
                        (request, sink) -> {
                            try {
                                Thread.sleep(20); // a call takes a moment, so the connections overlap
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
                            sink.start(200, new Headers().set("Content-Type", "application/json"), body.length);
                            sink.write(body);
                            sink.end();
                        },
                        1 << 20,
                        "127.0.0.1",
                        0,
                        ServerLimits.defaults());
                HttpClient http = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                try {
                    CountDownLatch ready = new CountDownLatch(CONNECTIONS);
                    List<CompletableFuture<String>> calls = new ArrayList<>();
                    for (int i = 0; i < CONNECTIONS; i++) {
                        int n = i;
                        int s = start;
                        calls.add(CompletableFuture.supplyAsync(
                                () -> {
                                    ready.countDown();
                                    try {
                                        ready.await();
                                        HttpResponse<String> r = http.send(
                                                HttpRequest.newBuilder(
                                                                URI.create(server.baseUrl() + "/v1/chat/completions"))
                                                        .timeout(Duration.ofSeconds(10))
                                                        .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + n + "}"))
                                                        .build(),
                                                HttpResponse.BodyHandlers.ofString());
                                        return r.statusCode() == 200 ? null : "start " + s + ": " + r.statusCode();
                                    } catch (Exception e) {
                                        return "start " + s + " call " + n + ": " + e;
                                    }
                                },
                                clients));
                    }
                    for (CompletableFuture<String> call : calls) {
                        String failure = call.get(30, TimeUnit.SECONDS);
                        if (failure != null) {
                            failures.add(failure);
                        }
                    }
                } finally {
                    server.stop(0);
                }
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(failures).isEmpty();
    }
}

package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large bodies are parsed only when the memory their tree takes is free in the process's {@link BodyMemory}. */
class ValidateBodyMemoryTest {
    private static final long MB = 1024 * 1024;

    @TempDir
    Path dir;

    private final Validate validate = new Validate(Calls.router("http://127.0.0.1:9"), 10 * MB);
    private Authenticate authenticate;

    /** A valid chat whose extra field is {@code count} empty objects: 3 bytes of body, about 90 bytes of tree each. */
    private static String emptyObjects(int count) {
        StringBuilder body = new StringBuilder(
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"metadata_list\":[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "{}" : ",{}");
        }
        return body.append("]}").toString();
    }

    /** A valid chat with {@code chars} of plain text: about its own size in tree. */
    private static String longText(int chars) {
        return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(chars / 5)
                + "\"}]}";
    }

    private CallContext authenticatedCall(String body, BodyMemory.Lease lease) {
        CallContext ctx = CallContext.start(
                "req-1",
                Calls.START,
                System.nanoTime(),
                new GatewayRequest(
                        "POST",
                        "/v1/chat/completions",
                        new Headers()
                                .set("Content-Type", "application/json")
                                .set("Authorization", "Bearer " + Calls.SECRET),
                        Calls.bytes(body)),
                lease);
        if (authenticate == null) {
            authenticate = new Authenticate(Calls.keys(dir));
        }
        return authenticate.apply(ctx).context();
    }

    @Test
    void treeLargerThanThePool_refused413OnBodyNamingTheSetting() {
        BodyMemory memory = new BodyMemory(8 * MB);
        String body = emptyObjects(100_000); // 300 KB of body, about 9 MB of tree

        Step step = validate.apply(authenticatedCall(body, memory.lease()));

        assertThat(step.refused()).isTrue();
        assertThat(step.refusal().status()).isEqualTo(413);
        assertThat(step.refusal().param()).isEqualTo("body");
        assertThat(step.refusal().message())
                .contains("SPENDGATE_BODY_MEMORY_BYTES")
                .contains("8 MB");
        assertThat(memory.inUse()).isZero();
    }

    @Test
    void poolHeldByOtherCalls_refused503RetryAfterRecordedAsBodyMemoryFull_thenServedOnceGivenBack() {
        BodyMemory memory = new BodyMemory(8 * MB);
        BodyMemory.Lease other = memory.lease();
        assertThat(other.take(7 * MB)).isTrue();
        String body = emptyObjects(20_000); // 60 KB... plus text below: over 64 KB, about 2 MB of tree
        body = body.replace("\"hi\"", "\"" + "hi ".repeat(5_000) + "\"");

        Step busy = validate.apply(authenticatedCall(body, memory.lease()));

        assertThat(busy.refusal().status()).isEqualTo(503);
        assertThat(busy.refusal().headers()).containsEntry("Retry-After", "1");
        assertThat(busy.refusal().errorType()).isEqualTo("body_memory_full");

        other.close();
        BodyMemory.Lease mine = memory.lease();
        Step served = validate.apply(authenticatedCall(body, mine));

        assertThat(served.refused()).isFalse();
        assertThat(served.context().body().path("metadata_list").size()).isEqualTo(20_000);
        assertThat(memory.inUse()).isPositive().isEqualTo(mine.held());
        mine.close();
        assertThat(memory.inUse()).isZero();
    }

    @Test
    void longTextBody_fitsAPoolAFewTimesItsSize() {
        BodyMemory memory = new BodyMemory(8 * MB);
        String body = longText(2 * 1024 * 1024); // 2 MB of prose: a legitimate large prompt

        Step step = validate.apply(authenticatedCall(body, memory.lease()));

        assertThat(step.refused())
                .as("%s", step.refused() ? step.refusal().message() : "")
                .isFalse();
    }

    @Test
    void smallBodies_takeNothingFromThePool() {
        BodyMemory memory = new BodyMemory(1);
        BodyMemory.Lease lease = memory.lease();

        Step step = validate.apply(authenticatedCall(emptyObjects(1_000), lease));

        assertThat(step.refused()).isFalse();
        assertThat(lease.held()).isZero();
    }
}

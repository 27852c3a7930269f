package dev.spendgate.function.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class HeadersTest {
    private static final String[] NAMES = {
        "Host",
        "host",
        "HOST",
        "Accept",
        "accept",
        "X-Cost-Feature",
        "x-cost-feature",
        "Set-Cookie",
        "set-cookie",
        "Authorization",
        "Content-Type"
    };

    @Test
    void operations_randomSequences_readAsTheListPerNameVersion() {
        SplittableRandom random = new SplittableRandom(17);
        for (int n = 0; n < 3_000; n++) {
            Headers headers = new Headers();
            Reference reference = new Reference();
            int ops = random.nextInt(25);
            for (int o = 0; o < ops; o++) {
                String name = NAMES[random.nextInt(NAMES.length)];
                String value = random.nextInt(30) == 0 ? null : "v" + random.nextInt(5);
                switch (random.nextInt(6)) {
                    case 0 -> {
                        headers.set(name, value);
                        reference.set(name, value);
                    }
                    case 1 -> {
                        headers.remove(name);
                        reference.remove(name);
                    }
                    default -> {
                        headers.add(name, value);
                        reference.add(name, value);
                    }
                }
            }
            List<String> seen = new ArrayList<>();
            headers.forEach((name, value) -> seen.add(name + "=" + value));
            List<String> expected = new ArrayList<>();
            reference.forEach((name, value) -> expected.add(name + "=" + value));
            assertThat(seen).as("sequence %d", n).isEqualTo(expected);
            for (String name : NAMES) {
                assertThat(headers.first(name)).isEqualTo(reference.first(name));
                assertThat(headers.all(name)).isEqualTo(reference.all(name));
                assertThat(headers.contains(name)).isEqualTo(reference.contains(name));
            }
            assertThat(headers.asMap()).isEqualTo(reference.values);
            assertThat(headers.asMap().keySet()).containsExactlyElementsOf(reference.values.keySet());
        }
    }

    /** {@link Headers} before single values were kept without a list: the oracle. */
    private static final class Reference {
        final Map<String, List<String>> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

        void add(String name, String value) {
            values.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
        }

        void set(String name, String value) {
            List<String> list = new ArrayList<>(1);
            list.add(value);
            values.put(name, list);
        }

        String first(String name) {
            List<String> list = values.get(name);
            return list == null || list.isEmpty() ? null : list.get(0);
        }

        List<String> all(String name) {
            List<String> list = values.get(name);
            return list == null ? List.of() : Collections.unmodifiableList(list);
        }

        boolean contains(String name) {
            return values.containsKey(name);
        }

        void remove(String name) {
            values.remove(name);
        }

        void forEach(java.util.function.BiConsumer<String, String> action) {
            values.forEach((name, list) -> list.forEach(v -> action.accept(name, v)));
        }
    }
}

package dev.spendgate.domain.keys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KeyLabelsTest {

    /**
     * "billing\u202Etoor" shows as "billingroot" reversed in a terminal: a key named with a right-to-left override makes
     * {@code keys list} (and the console's table) show its columns, or its name, in an order that is not stored.
     */
    @Test
    void validName_bidirectionalFormattingCharacter_isRefused() {
        for (String name : new String[] {
            "billing\u202Etoor", "a\u202Ab", "a\u2066b\u2069", "a\u200Fb", "a\u200Eb", "a\u061Cb", "a\u202Db"
        }) {
            assertThat(KeyLabels.validName(name)).as(name).isFalse();
            assertThat(KeyLabels.validOwner(name)).as(name).isFalse();
        }
    }

    @Test
    void validName_otherUnicode_isKept() {
        assertThat(KeyLabels.validName("Équipe données 数据 🚀")).isTrue();
        assertThat(KeyLabels.validName("فريق المالية"))
                .as("right-to-left text itself")
                .isTrue();
        assertThat(KeyLabels.validName("line\nbreak")).isFalse();
    }

    /** "1-128 characters": a character outside the BMP (an emoji) is one character, though two UTF-16 units. */
    @Test
    void validName_countsCharactersNotUtf16Units() {
        String key = "\uD83D\uDD11";
        assertThat(KeyLabels.validName(key.repeat(KeyLabels.MAX_NAME))).isTrue();
        assertThat(KeyLabels.validName(key.repeat(KeyLabels.MAX_NAME + 1))).isFalse();
        assertThat(KeyLabels.validOwner(key.repeat(KeyLabels.MAX_OWNER))).isTrue();
        assertThat(KeyLabels.validOwner(key.repeat(KeyLabels.MAX_OWNER + 1))).isFalse();
    }

    /** A name of only Unicode spaces (trim() keeps U+3000) is blank: refused here, not by ProxyKey as a 500. */
    @Test
    void validName_onlyUnicodeSpaces_isRefused() {
        assertThat(KeyLabels.validName("\u3000")).isFalse();
        assertThat(KeyLabels.validName("\u2003\u3000")).isFalse();
        assertThat(KeyLabels.validName("\u3000support\u3000".strip())).isTrue();
    }
}

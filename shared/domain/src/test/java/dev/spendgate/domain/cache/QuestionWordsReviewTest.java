package dev.spendgate.domain.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Found by the last review of session 23's diff: "why", "when" and "where" were content words on main; they are now question words,
 * left out of the word count, and a question without a question word is "compared by its words alone". So a why
 * question now scores 1.0 against the statement it asks about, and a bare "Why?" against "Thanks!" (after the same
 * conversation prefix), where main scored 0.67 and 0: a semantic hit at 0.95 answers the wrong question.
 */
class QuestionWordsReviewTest {
    private static double similarity(String a, String b) {
        return QuestionSimilarity.similarity(QuestionSimilarity.sketch(a), QuestionSimilarity.sketch(b));
    }

    @Test
    void aWhyQuestion_isNotTheStatementItAsksAbout() {
        assertThat(similarity("Why was I charged twice?", "I was charged twice"))
                .isLessThan(0.85);
    }

    @Test
    void aBareFollowUpQuestion_isNotAThankYou() {
        assertThat(similarity("Why?", "Thanks!")).isLessThan(0.85);
        assertThat(similarity("Why is that?", "Is that so?")).isLessThan(0.85);
    }
}

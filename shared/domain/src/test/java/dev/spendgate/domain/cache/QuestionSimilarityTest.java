package dev.spendgate.domain.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Measures the semantic cache's similarity on a labelled set: rewordings of one question (which must hit), different
 * questions of the same shape (which must not), and paraphrases by synonym (which lexical similarity misses: measured
 * and documented, not hidden).
 */
class QuestionSimilarityTest {
    static final List<List<String>> REWORDINGS = List.of(
            List.of("How do I reset my password?", "How can I reset my password?"),
            List.of("How do I reset my password?", "password reset - how?"),
            List.of("What is your refund policy?", "Can you tell me about your refund policy please?"),
            List.of("Where's my order 1234?", "where is order 1234"),
            List.of("How do I cancel my subscription?", "I want to cancel my subscription, how do I do that?"),
            List.of("What are your opening hours on Saturday?", "What are the opening hours on Saturdays?"),
            List.of("How do I update my billing address?", "How can I update the billing address?"),
            List.of(
                    "Can I change my delivery address after ordering?",
                    "Is it possible to change the delivery address after I ordered?"),
            List.of("Do you ship to Canada?", "do you ship to canada"),
            List.of("How long does shipping take to Germany?", "How long does it take to ship to Germany?"),
            List.of("I can't log in to my account", "I cannot log in to the account"),
            List.of("Please explain the difference between plan A and plan B", "Difference between plan A and plan B?"),
            List.of("Which plans include phone support?", "What plans include phone support?"),
            List.of("Show me how to reset my password", "How do I reset my password?"),
            List.of("Is shipping free in the US?", "Is shipping to the US free?"),
            List.of("Will I be charged twice?", "Am I going to be charged twice?"),
            List.of("Has my refund been processed?", "Was my refund processed?"),
            List.of("Can you send me the invoice?", "Could you send me the invoice, please?"));

    /** 40 content words: one word swapped among them keeps a Jaccard of 0.95. */
    static final String LETTER = "Dear customer, your quarterly invoice for the enterprise plan is attached. Payment is"
            + " due within thirty days of the invoice date, and late payments incur a fee. If you believe any charge is"
            + " wrong, reply to this message with the invoice reference and our billing team will review it and correct"
            + " your account balance before the next billing cycle begins. Thank you for choosing Acme as your cloud"
            + " storage provider.";

    static final List<List<String>> DIFFERENT_QUESTIONS = List.of(
            List.of("How do I reset my password?", "How do I reset my username?"),
            List.of("Where is my order 1234?", "Where is my order 1235?"),
            List.of("Can I return an opened item?", "Can I return an unopened item?"),
            List.of("What are your opening hours on Saturday?", "What are your opening hours on Sunday?"),
            List.of("Do you ship to Canada?", "Do you ship to Mexico?"),
            List.of("How do I update my billing address?", "How do I update my shipping address?"),
            List.of("Is the jacket waterproof?", "Is the jacket not waterproof?"),
            List.of("I can log in to my account", "I can't log in to my account"),
            List.of("How do I delete my account?", "How do I create my account?"),
            List.of(
                    "Summarise the attached quarterly report for the finance team in three bullet points",
                    "Summarise the attached quarterly report for the sales team in three bullet points"),
            List.of("What is the price of the premium plan?", "What is the price of the basic plan?"),
            List.of("Translate 'good morning' into French", "Translate 'good morning' into German"),
            List.of("Can my manager read my messages?", "Can I read my manager's messages?"),
            List.of("Can my boss fire me?", "Can I fire my boss?"),
            List.of("How do I change my email address?", "Who can change my email address?"),
            List.of("Should I upgrade my plan?", "Can I upgrade my plan?"),
            List.of("How do I get access to the admin console?", "How do I give access to the admin console?"),
            List.of(
                    "Which enterprise plans include phone support, a dedicated account manager and single sign-on?",
                    "Which enterprise plans don't include phone support, a dedicated account manager and single"
                            + " sign-on?"),
            List.of("Translate into French: " + LETTER, "Translate into German: " + LETTER),
            List.of("What does the S in HTTPS stand for?", "What does the T in HTTPS stand for?"),
            List.of("Can I get a refund?", "Did I get a refund?"),
            List.of("Did I send you the invoice?", "Did you send me the invoice?"));

    static final List<List<String>> SYNONYM_PARAPHRASES = List.of(
            List.of("How do I reset my password?", "I forgot my password, what now?"),
            List.of("How do I cancel my subscription?", "How can I stop my plan?"),
            List.of("What are your opening hours?", "When are you open?"));

    private static double similarity(List<String> pair) {
        return QuestionSimilarity.similarity(
                QuestionSimilarity.sketch(pair.get(0)), QuestionSimilarity.sketch(pair.get(1)));
    }

    @Test
    void similarity_rewordingsOfOneQuestion_allReachTheHighestThreshold() {
        assertThat(REWORDINGS)
                .allSatisfy(
                        pair -> assertThat(similarity(pair)).as(pair.toString()).isGreaterThanOrEqualTo(0.95));
    }

    @Test
    void similarity_differentQuestionsOfTheSameShape_allStayBelowTheLowestThreshold() {
        assertThat(DIFFERENT_QUESTIONS)
                .allSatisfy(
                        pair -> assertThat(similarity(pair)).as(pair.toString()).isLessThan(0.85));
    }

    @Test
    void similarity_paraphrasesBySynonym_areMissed() {
        assertThat(SYNONYM_PARAPHRASES)
                .allSatisfy(
                        pair -> assertThat(similarity(pair)).as(pair.toString()).isLessThan(0.85));
    }

    @Test
    void similarity_differentNumbers_isZeroWhateverTheWords() {
        assertThat(similarity(List.of("refund for invoice 0042", "refund for invoice 42")))
                .isEqualTo(1.0);
        assertThat(similarity(List.of("refund for invoice 42", "refund for invoice 43")))
                .isZero();
    }

    @Test
    void similarity_unicodeFractionsAndPowers_areNumbers() {
        assertThat(similarity(
                        List.of("How much is \u00be of the monthly fee?", "How much is \u2153 of the monthly fee?")))
                .isZero();
        assertThat(similarity(List.of("Storage cost per m\u00b2?", "Storage cost per m\u00b3?")))
                .isZero();
        assertThat(similarity(List.of("How much is \u00bd of the fee?", "How much is 1/2 of the fee?")))
                .as("one number, however written")
                .isEqualTo(1.0);
        assertThat(similarity(List.of("Where is order \uff11\uff12\uff13\uff14?", "Where is order 1234?")))
                .as("full-width digits are digits")
                .isEqualTo(1.0);
    }

    @Test
    void similarity_idsOfLettersAndDigits_areNumbers() {
        String question = "Hello, I ordered a blue winter jacket and matching gloves last Tuesday, paid by credit card,"
                + " and the tracking page still shows processing. When will order %s be dispatched?";

        assertThat(similarity(List.of(question.formatted("AB1234"), question.formatted("AB1235"))))
                .isZero();
        assertThat(similarity(List.of(question.formatted("AB1234"), question.formatted("ab1234"))))
                .isEqualTo(1.0);
        assertThat(similarity(List.of("Is ticket TCK-77A resolved?", "Is ticket TCK-78A resolved?")))
                .isZero();
    }

    @Test
    void sketch_keepsNoText() {
        QuestionSimilarity.Sketch s = QuestionSimilarity.sketch("How do I reset my password?");

        assertThat(s.words())
                .as("how (what is asked), reset, password, and who asks of whom (I ... my): hashes only")
                .hasSize(5);
        assertThat(s.numbers()).isEmpty();
    }
}

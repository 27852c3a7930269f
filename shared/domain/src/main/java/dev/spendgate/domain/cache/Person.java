package dev.spendgate.domain.cache;

import java.util.Map;

/**
 * Who does what to whom: the grammatical person of a question's subject and object. The subject is the person of the
 * last personal pronoun before the question's first content word (its verb or topic: "Did I send", "What is your
 * refund policy", "Can you help me reset"), the object that of the first one after it ("send you", "owe me", "legal
 * for you to"). {@link QuestionSimilarity} keeps two questions apart when both have a subject (or both an object) and
 * they differ: "Did I send you the invoice?" is not "Did you send me the invoice?". "We" counts as "I" (a customer
 * asking for a team), "he", "she" and "they" as one third person; "it" is no person.
 */
final class Person {
    static final int FIRST = 1;
    static final int SECOND = 2;
    static final int THIRD = 3;

    private static final Map<String, Integer> PRONOUNS = Map.ofEntries(
            Map.entry("i", FIRST),
            Map.entry("me", FIRST),
            Map.entry("my", FIRST),
            Map.entry("mine", FIRST),
            Map.entry("myself", FIRST),
            Map.entry("we", FIRST),
            Map.entry("us", FIRST),
            Map.entry("our", FIRST),
            Map.entry("ours", FIRST),
            Map.entry("ourselves", FIRST),
            Map.entry("you", SECOND),
            Map.entry("your", SECOND),
            Map.entry("yours", SECOND),
            Map.entry("yourself", SECOND),
            Map.entry("yourselves", SECOND),
            Map.entry("he", THIRD),
            Map.entry("him", THIRD),
            Map.entry("his", THIRD),
            Map.entry("himself", THIRD),
            Map.entry("she", THIRD),
            Map.entry("her", THIRD),
            Map.entry("hers", THIRD),
            Map.entry("herself", THIRD),
            Map.entry("they", THIRD),
            Map.entry("them", THIRD),
            Map.entry("their", THIRD),
            Map.entry("theirs", THIRD),
            Map.entry("themselves", THIRD));

    private Person() {}

    /** The person of a personal pronoun or possessive, 0 for any other word. */
    static int of(String word) {
        return PRONOUNS.getOrDefault(word, 0);
    }

    /** Reads a question's subject and object word by word, in order. */
    static final class Reading {
        private int subject;
        private int object;
        private boolean afterFirstContentWord;

        /** A personal pronoun of {@code person} (1 to 3). */
        void pronoun(int person) {
            if (!afterFirstContentWord) {
                subject = person;
            } else if (object == 0) {
                object = person;
            }
        }

        /** A content word other than a negation or "should"/"must". */
        void contentWord() {
            afterFirstContentWord = true;
        }

        /** The subject's person, 0 when no pronoun comes before the first content word. */
        int subject() {
            return subject;
        }

        /** The object's person, 0 when no pronoun comes after the first content word. */
        int object() {
            return object;
        }
    }
}

package dev.spendgate.domain.cache;

import java.util.List;
import java.util.Set;

/**
 * When a question asks about: what happened ("Did I get a refund?", "Was I charged twice?", "Have you received my
 * payment?", "Has my refund been processed?") or what will happen ("Will I be charged twice?", "Am I going to be
 * charged?", "I'll be charged?"), against what may happen ("Can I get a refund?"). Each is answered differently (an
 * account's history, a promise, a policy), so {@link QuestionSimilarity} keeps two questions apart unless they have the
 * same classes. "can", "could", "do", "does", "is", "are", "would" and "may" belong to none, so "How do I" and "How can
 * I" stay one question; "shall" is advice, with "should" ({@link QuestionSimilarity}'s polarity).
 */
final class Tense {
    static final int PAST = 1;
    static final int FUTURE = 2;

    private static final Set<String> PAST_WORDS = Set.of("did", "was", "were", "had", "been");
    private static final Set<String> FUTURE_WORDS = Set.of("will", "gonna");

    /** "has" and "have" ("'ve") tell the past only before a participle ("Have you received ..."), not "have to". */
    private static final Set<String> PERFECT = Set.of("has", "have");

    /** Words that may stand between "have" and its participle ("Have you already paid?", "Hasn't it been sent?"). */
    private static final Set<String> BETWEEN = Set.of(
            "i", "you", "we", "they", "he", "she", "it", "not", "already", "ever", "just", "yet", "never", "really",
            "all", "both");

    /** Participles not ending in "ed" or "en". */
    private static final Set<String> IRREGULAR = Set.of(
            "got", "sent", "paid", "made", "done", "had", "gone", "bought", "brought", "told", "said", "left", "lost",
            "found", "built", "spent", "won", "put", "set", "cut", "heard", "kept", "sold", "met", "run");

    private Tense() {}

    /** The class token {@code t} of a question gives: {@link #PAST}, {@link #FUTURE} or 0. */
    static int of(List<QuestionTokens.Token> tokens, int t) {
        QuestionTokens.Token token = tokens.get(t);
        if (token.name() || token.symbol()) {
            return 0;
        }
        String word = token.word();
        if (PAST_WORDS.contains(word)) {
            return PAST;
        }
        if (FUTURE_WORDS.contains(word)) {
            return FUTURE;
        }
        if (word.equals("going")
                && t + 1 < tokens.size()
                && tokens.get(t + 1).word().equals("to")) {
            return FUTURE; // "going to be charged"; "going" alone is a stop word
        }
        if (PERFECT.contains(word)) {
            int k = t + 1;
            while (k < tokens.size() && BETWEEN.contains(tokens.get(k).word())) {
                k++;
            }
            return k < tokens.size() && participle(tokens.get(k).word()) ? PAST : 0;
        }
        return 0;
    }

    private static boolean participle(String word) {
        return IRREGULAR.contains(word) || (word.length() > 3 && (word.endsWith("ed") || word.endsWith("en")));
    }
}

package dev.spendgate.domain.cache;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lexical similarity of two short questions, for the semantic response cache. A question becomes the set of its
 * content words (lower-cased, stop words and request framing such as "how do I", "please", "tell me about" dropped,
 * plural and verb endings cut) and the set of its numbers; similarity is the Jaccard index of the two word sets
 * (shared words over all words), and 0 when the numbers differ ("order 123" is never "order 124"). Negations ("not",
 * "can't", "never") and prefixes ("unopened") are content, so they keep different questions apart. With Jaccard one
 * word swapped among n keeps (n-1)/(n+1): below 0.85 for questions of fewer than 14 content words.
 *
 * <p>Only 64-bit hashes of the words are kept ({@link Sketch}), never the text. Why lexical and not an embedding:
 * nothing may be downloaded at run time, and for a cache a false hit (another question's answer) is far worse than a
 * miss; word-set Jaccard at 0.85-0.95 hits rewordings of the same question and misses questions that differ in a
 * content word. Synonyms ("change" for "reset") are missed; {@code QuestionSimilarityTest} measures both on a labelled
 * set.
 */
public final class QuestionSimilarity {
    private static final Set<String> STOP = Set.of(
            "a",
            "an",
            "the",
            "and",
            "or",
            "but",
            "if",
            "then",
            "so",
            "to",
            "of",
            "in",
            "on",
            "at",
            "by",
            "for",
            "from",
            "with",
            "about",
            "into",
            "as",
            "is",
            "are",
            "was",
            "were",
            "be",
            "been",
            "being",
            "am",
            "do",
            "does",
            "did",
            "doing",
            "done",
            "have",
            "has",
            "had",
            "can",
            "could",
            "would",
            "should",
            "will",
            "shall",
            "may",
            "might",
            "must",
            "i",
            "me",
            "my",
            "mine",
            "we",
            "us",
            "our",
            "you",
            "your",
            "yours",
            "it",
            "its",
            "this",
            "that",
            "these",
            "those",
            "there",
            "here",
            "what",
            "whats",
            "which",
            "who",
            "whom",
            "how",
            "hows",
            "please",
            "pls",
            "kindly",
            "tell",
            "explain",
            "know",
            "want",
            "wanna",
            "need",
            "like",
            "let",
            "lets",
            "show",
            "give",
            "help",
            "hi",
            "hello",
            "hey",
            "thanks",
            "thank",
            "way",
            "ways",
            "possible",
            "able",
            "im",
            "ive",
            "id",
            "some",
            "any",
            "just",
            "also",
            "really",
            "get",
            "go",
            "going",
            "s",
            "t",
            "anyone",
            "someone",
            "again",
            "exactly",
            "quick",
            "quickly",
            "question");

    private QuestionSimilarity() {}

    /** The hashed content words and numbers of a question. */
    public record Sketch(long[] words, long[] numbers) {
        public Sketch {
            words = words.clone();
            numbers = numbers.clone();
        }

        public boolean isEmpty() {
            return words.length == 0 && numbers.length == 0;
        }
    }

    public static Sketch sketch(String text) {
        TreeSet<Long> words = new TreeSet<>();
        TreeSet<Long> numbers = new TreeSet<>();
        String lower = text.toLowerCase(Locale.ROOT)
                .replace('\u2019', '\'')
                .replace("can't", "can not")
                .replace("cannot", "can not")
                .replace("won't", "will not")
                .replace("n't", " not")
                .replace("'", " ");
        int i = 0;
        while (i < lower.length()) {
            char c = lower.charAt(i);
            if (!Character.isLetterOrDigit(c)) {
                i++;
                continue;
            }
            int start = i;
            while (i < lower.length() && Character.isLetterOrDigit(lower.charAt(i))) {
                i++;
            }
            String word = lower.substring(start, i);
            if (word.chars().allMatch(Character::isDigit)) {
                numbers.add(hash(word.replaceFirst("^0+(?=.)", "")));
            } else if (!STOP.contains(word)) {
                words.add(hash(stem(word)));
            }
        }
        return new Sketch(toArray(words), toArray(numbers));
    }

    /** Jaccard index of the two content-word sets; 0 when their numbers differ; 1 for two empty questions. */
    public static double similarity(Sketch a, Sketch b) {
        if (!Arrays.equals(a.numbers(), b.numbers())) {
            return 0;
        }
        if (a.words().length == 0 || b.words().length == 0) {
            return a.words().length == b.words().length ? 1 : 0;
        }
        int common = 0;
        int i = 0;
        int j = 0;
        while (i < a.words().length && j < b.words().length) {
            int cmp = Long.compare(a.words()[i], b.words()[j]);
            if (cmp == 0) {
                common++;
                i++;
                j++;
            } else if (cmp < 0) {
                i++;
            } else {
                j++;
            }
        }
        return (double) common / (a.words().length + b.words().length - common);
    }

    /** Cuts common English endings so "resetting", "resets" and "reset" meet. */
    static String stem(String w) {
        if (w.length() > 5 && w.endsWith("ies")) {
            return w.substring(0, w.length() - 3) + "y";
        }
        for (String suffix : new String[] {"ing", "ed", "es", "s", "ly"}) {
            if (w.length() > suffix.length() + 3 && w.endsWith(suffix) && !w.endsWith("ss")) {
                String s = w.substring(0, w.length() - suffix.length());
                if (s.length() > 3 && s.charAt(s.length() - 1) == s.charAt(s.length() - 2)) {
                    s = s.substring(0, s.length() - 1); // resetting -> resett -> reset
                }
                return s;
            }
        }
        return w;
    }

    private static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int k = 0; k < s.length(); k++) {
            h = (h ^ s.charAt(k)) * 0x100000001b3L;
        }
        return h;
    }

    private static long[] toArray(TreeSet<Long> set) {
        return set.stream().mapToLong(Long::longValue).toArray();
    }
}

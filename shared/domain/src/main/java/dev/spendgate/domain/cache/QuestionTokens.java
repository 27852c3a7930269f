package dev.spendgate.domain.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The words of a question as {@link QuestionSimilarity} reads them: runs of letters and digits, lower-cased, and the
 * symbols that change a question's meaning. A word is looked up as a stop word in the case it was written in: a stop
 * word written in capitals in a text that is not all capitals is a name ("plan A", "the S in HTTPS", the "US", the "IT
 * team") and is read as a content word, except "I", a one-letter word opening a sentence ("A refund ...") and the
 * letters after an apostrophe ("IT'S"). Contractions are read as their words: "don't", "dont" and "do not" are one;
 * "I've" is "I have", "I'll" "I will".
 */
final class QuestionTokens {
    /** Symbols that change a question's meaning: kept as words ("6/3" is not "6*3", "$5" is not "5%"). */
    static final String SYMBOLS = "$€£¥%<>=≤≥≠+*/×÷^";

    /**
     * "n't" typed without its apostrophe ("dont", "cant"): read as its verb and "not", as "don't" and "can't" are
     * ("didnt" is "did not": what happened).
     */
    private static final Map<String, String> NOT_WITHOUT_APOSTROPHE = Map.ofEntries(
            Map.entry("dont", "do"),
            Map.entry("doesnt", "does"),
            Map.entry("didnt", "did"),
            Map.entry("isnt", "is"),
            Map.entry("arent", "are"),
            Map.entry("wasnt", "was"),
            Map.entry("werent", "were"),
            Map.entry("cant", "can"),
            Map.entry("couldnt", "could"),
            Map.entry("wont", "will"),
            Map.entry("wouldnt", "would"),
            Map.entry("hasnt", "has"),
            Map.entry("havent", "have"),
            Map.entry("hadnt", "had"));

    /** The letters after an apostrophe that stand for a verb ("I've", "I'll", "you're", "I'm"): read as it. */
    private static final Map<String, String> CONTRACTED = Map.of("ve", "have", "ll", "will", "re", "are", "m", "am");

    private static final Pattern CANNOT = Pattern.compile("can't|cannot", Pattern.CASE_INSENSITIVE);
    private static final Pattern WONT = Pattern.compile("won't", Pattern.CASE_INSENSITIVE);
    private static final Pattern NOT = Pattern.compile("n't", Pattern.CASE_INSENSITIVE);

    /**
     * One word: lower-cased; {@code name} when written as a name (see the class); {@code symbol} for a symbol;
     * {@code negative} for a number with a minus sign right before it, not joining it to a word or number ("3-5" is a
     * range).
     */
    record Token(String word, boolean name, boolean symbol, boolean negative) {
        boolean number() {
            return !symbol && word.chars().anyMatch(Character::isDigit);
        }
    }

    private QuestionTokens() {}

    /** The words of {@code text}, or null when it has more than {@code max} of them. */
    static List<Token> of(String text, Set<String> stop, int max) {
        String cased = compatible(text)
                .replace('\u2044', '/') // the fraction slash of "3\u20444" (NFKC's "\u00be")
                .replace('\u2019', '\'')
                .replace('\u2212', '-');
        cased = NOT.matcher(WONT.matcher(CANNOT.matcher(cased).replaceAll("can not"))
                        .replaceAll("will not"))
                .replaceAll(" not");
        boolean allCapitals = cased.chars().noneMatch(Character::isLowerCase);
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < cased.length()) {
            char c = cased.charAt(i);
            if (SYMBOLS.indexOf(c) < 0 && !Character.isLetterOrDigit(c)) {
                i++;
                continue;
            }
            if (SYMBOLS.indexOf(c) >= 0) {
                tokens.add(new Token(String.valueOf(c), false, true, false));
                if (tokens.size() > max) {
                    return null;
                }
                i++;
                continue;
            }
            int start = i;
            while (i < cased.length() && Character.isLetterOrDigit(cased.charAt(i))) {
                i++;
            }
            String raw = cased.substring(start, i);
            String word = raw.toLowerCase(Locale.ROOT);
            boolean contracted = start > 0 && cased.charAt(start - 1) == '\'';
            if (contracted && CONTRACTED.containsKey(word)) {
                word = CONTRACTED.get(word);
            }
            String verb = NOT_WITHOUT_APOSTROPHE.get(word);
            if (verb != null) {
                tokens.add(new Token(verb, false, false, false));
                word = "not";
            }
            boolean negative = start > 0
                    && cased.charAt(start - 1) == '-'
                    && (start == 1 || !Character.isLetterOrDigit(cased.charAt(start - 2)));
            boolean name = !allCapitals && stop.contains(word) && writtenAsName(raw, cased, start);
            tokens.add(new Token(word, name, false, negative));
            if (tokens.size() > max) {
                return null;
            }
        }
        return tokens;
    }

    /**
     * Whether a stop word is written as a name: all in capitals, not "I", not a one-letter word opening the text or a
     * sentence, not the letters after an apostrophe.
     */
    private static boolean writtenAsName(String raw, String text, int start) {
        if (raw.equals("I") || !raw.chars().allMatch(Character::isUpperCase)) {
            return false;
        }
        if (start > 0 && text.charAt(start - 1) == '\'') {
            return false; // "IT'S", "DON'T"
        }
        if (raw.length() > 1) {
            return true;
        }
        int k = start - 1;
        while (k >= 0 && Character.isWhitespace(text.charAt(k)) && text.charAt(k) != '\n') {
            k--;
        }
        return k >= 0 && ".!?\n".indexOf(text.charAt(k)) < 0; // "A refund ...", "... plan B? A ..." open sentences
    }

    /**
     * The text in Unicode compatibility form (NFKC), where a vulgar fraction or a superscript is its digits ("\u00be" is
     * "3\u20444", "m\u00b2" is "m2"): numbers however written, never dropped as symbols. ASCII text is returned as it
     * is, without a copy.
     */
    private static String compatible(String text) {
        for (int k = 0; k < text.length(); k++) {
            if (text.charAt(k) >= 0x80) {
                return java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFKC);
            }
        }
        return text;
    }
}

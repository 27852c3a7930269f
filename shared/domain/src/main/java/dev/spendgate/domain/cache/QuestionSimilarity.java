package dev.spendgate.domain.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lexical similarity of two short questions, for the semantic response cache. A question becomes the set of its
 * content words (lower-cased, stop words and request framing such as "do I", "please", "tell me about", "show me"
 * dropped, plural and verb endings cut; a stop word written in capitals is a name and kept: "plan A", the "US", the "IT
 * team", {@link QuestionTokens}; symbols such as {@code $ % / <} kept), its question words (what is asked:
 * "who", "how", "what" or "which", ...) and the sequence of its numbers (signed; a token
 * of letters and digits such as an order id {@code AB1234} counts as a number; read in Unicode compatibility form,
 * so "\u00be" is 3/4 and "m\u00b3" is m3);
 * similarity is the Jaccard index of the two word sets (shared words over all words), and 0 when the numbers differ
 * ("order 123" is never "order 124", "3 bigger than 5" never "5 bigger than 3") or the direction does: role words
 * (to, from, into, than, before, after, ...) split a question into segments, and shared words in other roles or in
 * another order across them ("100 USD to EUR", "100 EUR to USD") make another question; so do, when both questions
 * have personal pronouns, shared words in another order across a pronoun ("Can my manager read my messages?", "Can I
 * read my manager's messages?": who does what to whom), or subjects or objects of another person ("Did I send you the
 * invoice?", "Did you send me the invoice?", {@link Person}); and so do two questions that both have question words and ask
 * different things ("Who can reset my password?", "How do I reset my password?"); a question without one ("Tell me
 * about your refund policy") is compared by its words alone. Question words are not counted as words. A negated
 * question ("not", "can't", "never", "without") is never like one that is not, however long (one "not" among ten
 * shared words would keep 10/11), nor is one with "should" or "must" like one without, nor one about what happened
 * ("did", "was", "have ... received") or will ("will", "going to") like one without ({@link Tense}); prefixes ("unopened") are
 * content, so they keep different questions apart. A content word swapped
 * for another (each question has a word the other lacks) makes another question at any length: Jaccard alone would
 * keep (n-1)/(n+1), over 0.95 for "Translate into French: <a 40-word letter>" and "... into German: <the same>"; only
 * words added to one question (framing, detail) are graded by the index.
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
            "will",
            "may",
            "might",
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
            "please",
            "pls",
            "kindly",
            "tell",
            "explain",
            "know",
            "want",
            "wanna",
            "gonna",
            "need",
            "like",
            "let",
            "lets",
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

    /**
     * Question words, each to the kind of answer it asks for ("which" asks what "what" does): what a question asks
     * about ("who can reset my password?" wants a person, "how do I reset my password?" steps). Kept apart from the
     * content words ({@link #INTERROGATIVES}); words such as "show" and "give" are framing only before "me" or "us"
     * ("show me how to ...", {@link #FRAMED}), else content ("give access" is not "get access").
     */
    private static final java.util.Map<String, String> QUESTION_WORDS = java.util.Map.ofEntries(
            java.util.Map.entry("what", "what"),
            java.util.Map.entry("whats", "what"),
            java.util.Map.entry("which", "what"),
            java.util.Map.entry("who", "who"),
            java.util.Map.entry("whom", "who"),
            java.util.Map.entry("whos", "who"),
            java.util.Map.entry("whose", "whose"),
            java.util.Map.entry("how", "how"),
            java.util.Map.entry("hows", "how"),
            java.util.Map.entry("when", "when"),
            java.util.Map.entry("whens", "when"),
            java.util.Map.entry("where", "where"),
            java.util.Map.entry("wheres", "where"),
            java.util.Map.entry("why", "why"),
            java.util.Map.entry("whys", "why"));

    /** The hash of "what" (and "which"): the one question word a statement ("tell me about X") may stand for. */
    private static final long WHAT = questionHash("what");

    /** The hashes that stand for question words in a sketch's words, sorted. */
    private static final long[] INTERROGATIVES = QUESTION_WORDS.values().stream()
            .distinct()
            .mapToLong(QuestionSimilarity::questionHash)
            .sorted()
            .toArray();

    /**
     * Words that turn a question's answer around, in classes: a negation ("not", "never", "without", ...: "n't" and
     * "cannot" are read as "not"), "should" (advice) and "must" (obligation). Two questions are alike only with the
     * same classes: "Which plans don't include SSO?" asks for the plans "Which plans include SSO?" leaves out, however
     * many words the two share. Kept as content words too.
     */
    private static final java.util.Map<String, Integer> POLARITY = java.util.Map.ofEntries(
            java.util.Map.entry("not", 1),
            java.util.Map.entry("no", 1),
            java.util.Map.entry("never", 1),
            java.util.Map.entry("without", 1),
            java.util.Map.entry("none", 1),
            java.util.Map.entry("nothing", 1),
            java.util.Map.entry("nobody", 1),
            java.util.Map.entry("nowhere", 1),
            java.util.Map.entry("neither", 1),
            java.util.Map.entry("nor", 1),
            java.util.Map.entry("should", 2),
            java.util.Map.entry("shall", 2),
            java.util.Map.entry("ought", 2),
            java.util.Map.entry("must", 4));

    /** The hashes of the {@link #POLARITY} words as sketched, sorted, and each one's class at the same index. */
    private static final long[] POLARITY_HASHES;

    private static final int[] POLARITY_CLASSES;

    static {
        long[][] byHash = POLARITY.entrySet().stream()
                .map(e -> new long[] {hash(stem(e.getKey())), e.getValue()})
                .sorted((x, y) -> Long.compare(x[0], y[0]))
                .toArray(long[][]::new);
        POLARITY_HASHES = Arrays.stream(byHash).mapToLong(e -> e[0]).toArray();
        POLARITY_CLASSES = Arrays.stream(byHash).mapToInt(e -> (int) e[1]).toArray();
    }

    /**
     * The hashes standing for a {@link Tense} class among a sketch's words, indexed by class: what is asked about, not
     * a word ("?" is in no word), so neither counted nor placed.
     */
    private static final long[] TENSES = {0, questionHash("tense:past"), questionHash("tense:future")};

    /**
     * The hashes standing for the {@link Person} of a question's subject and of its object, indexed by person: who
     * does what to whom ("Did I send you", "Did you send me"), neither counted nor placed.
     */
    private static final long[] SUBJECTS = {
        0, questionHash("subject:1"), questionHash("subject:2"), questionHash("subject:3")
    };

    private static final long[] OBJECTS = {
        0, questionHash("object:1"), questionHash("object:2"), questionHash("object:3")
    };

    /** Verbs that are request framing before "me" or "us" ("show me", "give us") and content otherwise. */
    private static final Set<String> FRAMED = Set.of("show", "give", "get");

    /**
     * Words that give the words after them a role ("100 USD to EUR", "from Monday to Friday", "3 bigger than 5"):
     * they split a question into segments, labelled by the word that opens them (to, into, onto and toward(s) are one
     * role). Those that are stop words stay out of the word set.
     */
    private static final java.util.Map<String, Integer> ROLES = java.util.Map.ofEntries(
            java.util.Map.entry("to", 1),
            java.util.Map.entry("into", 1),
            java.util.Map.entry("onto", 1),
            java.util.Map.entry("toward", 1),
            java.util.Map.entry("towards", 1),
            java.util.Map.entry("from", 2),
            java.util.Map.entry("than", 3),
            java.util.Map.entry("vs", 4),
            java.util.Map.entry("versus", 4),
            java.util.Map.entry("before", 5),
            java.util.Map.entry("after", 6),
            java.util.Map.entry("per", 7));

    /** Bits of a placed word's value ({@link Sketch#order}): role 4, segment 20, person segment 20, position 19. */
    private static final int SEGMENT_SHIFT = 4;

    private static final int PERSONS_SHIFT = 24;
    private static final int POSITION_SHIFT = 44;
    private static final long FIELD = 0xFFFFF;
    private static final long POSITION = 0x7FFFF;

    /**
     * The most words (numbers and symbols such as {@code $} count as words, stop words too) a question may have to be
     * sketched: a longer one gets an empty sketch and is matched exactly only, so no sketch keeps more than this many
     * words and no comparison works through more (a semantic near-copy of a 50,000-word text is a miss, not minutes of
     * a core spent before admission).
     */
    static final int MAX_WORDS = 1_000;

    private static final Sketch UNSKETCHED = new Sketch(new long[0], new long[0]);

    private QuestionSimilarity() {}

    /**
     * The hashed content words and numbers of a question, and where each content word stands: {@code order} holds,
     * per content word in order of first appearance, its hash and then its place: the role that opens its segment
     * (bits 0-3), the segment's index (bits 4-23), how many personal pronouns precede it (bits 24-43) and its position
     * among the content words (bits 44-62; see {@link #similarity}). Numbers keep their order and sign. An empty {@code order} (a sketch
     * kept before it existed) checks no order.
     */
    public record Sketch(long[] words, long[] numbers, long[] order) {
        public Sketch {
            words = words.clone();
            numbers = numbers.clone();
            order = order.clone();
        }

        public Sketch(long[] words, long[] numbers) {
            this(words, numbers, new long[0]);
        }

        public boolean isEmpty() {
            return words.length == 0 && numbers.length == 0;
        }
    }

    /**
     * The sketch of a question; an empty one (the question is matched exactly only) when it has more than
     * {@value #MAX_WORDS} words.
     */
    public static Sketch sketch(String text) {
        TreeSet<Long> words = new TreeSet<>();
        List<Long> numbers = new ArrayList<>();
        java.util.LinkedHashMap<Long, Long> order = new java.util.LinkedHashMap<>();
        List<QuestionTokens.Token> tokens = QuestionTokens.of(text, STOP, MAX_WORDS);
        if (tokens == null) {
            return UNSKETCHED; // too long to compare: matched exactly only
        }
        long segment = 0;
        long persons = 0;
        Person.Reading person = new Person.Reading();
        for (int t = 0; t < tokens.size(); t++) {
            QuestionTokens.Token token = tokens.get(t);
            String word = token.word();
            int tense = Tense.of(tokens, t);
            if (tense != 0) {
                words.add(TENSES[tense]); // "did I", "was I", "will I": what happened or will, not what may
            }
            if (token.symbol()) {
                long h = hash(word);
                person.contentWord();
                words.add(h);
                order.putIfAbsent(h, placed(segment, persons, order.size()));
                continue;
            }
            if (word.chars().allMatch(Character::isDigit)) {
                int zeros = 0;
                while (zeros < word.length() - 1 && word.charAt(zeros) == '0') {
                    zeros++;
                }
                String number = word.substring(zeros);
                numbers.add(hash(token.negative() && !number.equals("0") ? "-" + number : number));
                continue;
            }
            if (token.number()) {
                // an id of letters and digits ("AB1234", "INV-0042" gives "0042", "v2") is a number: another id is
                // another question, however many words the two share
                numbers.add(hash(word));
                continue;
            }
            if (token.name()) {
                // a stop word written as a name ("plan A", "the US", "the IT team"): a content word, no role or person
                long h = hash(word);
                person.contentWord();
                words.add(h);
                order.putIfAbsent(h, placed(segment, persons, order.size()));
                continue;
            }
            Integer role = ROLES.get(word);
            if (role != null) {
                segment = Math.min((segment >> SEGMENT_SHIFT) + 1, FIELD) << SEGMENT_SHIFT | role;
            }
            if (Person.of(word) != 0) {
                persons = Math.min(persons + 1, FIELD);
                person.pronoun(Person.of(word));
            }
            String asks = QUESTION_WORDS.get(word);
            if (asks != null) {
                words.add(questionHash(asks)); // what is asked, not where: not placed
                continue;
            }
            if (FRAMED.contains(word) && beforeMeOrUs(tokens, t)) {
                continue;
            }
            if (!STOP.contains(word)) {
                long h = hash(stem(word));
                if (polarity(h) == 0) {
                    person.contentWord(); // "should I", "can't I": the verb is still to come
                }
                words.add(h);
                order.putIfAbsent(h, placed(segment, persons, order.size()));
            }
        }
        if (person.subject() != 0) {
            words.add(SUBJECTS[person.subject()]);
        }
        if (person.object() != 0) {
            words.add(OBJECTS[person.object()]);
        }
        long[] placed = new long[order.size() * 2];
        int k = 0;
        for (var e : order.entrySet()) {
            placed[k++] = e.getKey();
            placed[k++] = e.getValue();
        }
        return new Sketch(
                toArray(words), numbers.stream().mapToLong(Long::longValue).toArray(), placed);
    }

    /** Whether the word after token {@code t} is "me" or "us" ("show me how", "give us the list"), not a name. */
    private static boolean beforeMeOrUs(List<QuestionTokens.Token> tokens, int t) {
        if (t + 1 == tokens.size()) {
            return false;
        }
        QuestionTokens.Token next = tokens.get(t + 1);
        return !next.name() && (next.word().equals("me") || next.word().equals("us"));
    }

    private static long questionHash(String kind) {
        return hash("?" + kind); // "?" is in no word: never a content word's hash
    }

    private static int polarity(long h) {
        int k = Arrays.binarySearch(POLARITY_HASHES, h);
        return k < 0 ? 0 : POLARITY_CLASSES[k];
    }

    /** The index of {@code h} among the marks, 0 when it is none of them. */
    private static int indexOf(long[] marks, long h) {
        for (int k = 1; k < marks.length; k++) {
            if (marks[k] == h) {
                return k;
            }
        }
        return 0;
    }

    private static int tense(long h) {
        return h == TENSES[Tense.PAST] ? Tense.PAST : h == TENSES[Tense.FUTURE] ? Tense.FUTURE : 0;
    }

    private static boolean interrogative(long h) {
        return Arrays.binarySearch(INTERROGATIVES, h) >= 0;
    }

    /** A word's place: its role segment (index and role), how many personal pronouns precede it, its position. */
    private static long placed(long segment, long persons, int position) {
        return segment | (persons << PERSONS_SHIFT) | (Math.min(position, POSITION) << POSITION_SHIFT);
    }

    /**
     * Jaccard index of the two content-word sets; 1 for two empty questions; 0 when their numbers differ (in value,
     * sign or order: "is 3 bigger than 5" is not "is 5 bigger than 3") or when their shared words stand apart: one
     * takes another role in each ("into French", "from French"), or two come in one order across a role word in one
     * and the other order in the other ("USD to EUR", "EUR to USD"), or, when both questions have personal pronouns,
     * two that a pronoun separates in either come in the other order in the other ("my manager read my messages",
     * "I read my manager's messages"), or when both have question words and they differ ("who can", "how do I"), or
     * when one is negated and the other not, or one has "should" ("must") and the other not, or when each has a
     * content word the other lacks ("French", "German").
     * Question words are left out of the index. Otherwise words within one segment may come in any order ("reset
     * password", "password reset - how?").
     */
    public static double similarity(Sketch a, Sketch b) {
        if (!Arrays.equals(a.numbers(), b.numbers())) {
            return 0;
        }
        long[] wa = a.words();
        long[] wb = b.words();
        int common = 0;
        int onlyA = 0;
        int onlyB = 0;
        int asksA = 0; // question words: compared as what is asked, not counted as words
        int asksB = 0;
        boolean asksDiffer = false;
        boolean specificA = false; // a question word other than "what" ("why", "where", "who", "how", "when", "whose")
        boolean specificB = false;
        int polarityA = 0; // classes of negation and modality present
        int polarityB = 0;
        int tenseA = 0; // Tense classes present: compared, not counted
        int tenseB = 0;
        int subjectA = 0; // Person of the subject and the object: compared, not counted
        int subjectB = 0;
        int objectA = 0;
        int objectB = 0;
        int i = 0;
        int j = 0;
        while (i < wa.length || j < wb.length) {
            int cmp = i == wa.length ? 1 : j == wb.length ? -1 : Long.compare(wa[i], wb[j]);
            long h = cmp <= 0 ? wa[i] : wb[j];
            int subject = indexOf(SUBJECTS, h);
            int object = indexOf(OBJECTS, h);
            if (subject != 0 || object != 0) {
                subjectA = cmp <= 0 && subject != 0 ? subject : subjectA;
                subjectB = cmp >= 0 && subject != 0 ? subject : subjectB;
                objectA = cmp <= 0 && object != 0 ? object : objectA;
                objectB = cmp >= 0 && object != 0 ? object : objectB;
                i += cmp <= 0 ? 1 : 0;
                j += cmp >= 0 ? 1 : 0;
                continue;
            }
            int tense = tense(h);
            if (tense != 0) {
                tenseA |= cmp <= 0 ? tense : 0;
                tenseB |= cmp >= 0 ? tense : 0;
                i += cmp <= 0 ? 1 : 0;
                j += cmp >= 0 ? 1 : 0;
                continue;
            }
            boolean asks = interrogative(h);
            boolean specific = asks && h != WHAT;
            specificA |= specific && cmp <= 0;
            specificB |= specific && cmp >= 0;
            int polarity = polarity(h);
            polarityA |= cmp <= 0 ? polarity : 0;
            polarityB |= cmp >= 0 ? polarity : 0;
            if (cmp == 0) {
                if (asks) {
                    asksA++;
                    asksB++;
                } else {
                    common++;
                }
                i++;
                j++;
            } else if (cmp < 0) {
                if (asks) {
                    asksA++;
                    asksDiffer = true;
                } else {
                    onlyA++;
                }
                i++;
            } else {
                if (asks) {
                    asksB++;
                    asksDiffer = true;
                } else {
                    onlyB++;
                }
                j++;
            }
        }
        if (polarityA != polarityB) {
            return 0; // "don't include" is not "include", "should I" not "can I"
        }
        if (tenseA != tenseB) {
            return 0; // "did I get a refund?" (what happened) is not "can I get a refund?" (the policy)
        }
        if ((subjectA != 0 && subjectB != 0 && subjectA != subjectB)
                || (objectA != 0 && objectB != 0 && objectA != objectB)) {
            return 0; // who does what to whom: "did I send you the invoice?" is not "did you send me the invoice?"
        }
        if (asksDiffer && asksA > 0 && asksB > 0) {
            return 0; // "who can reset it?" is not "how do I reset it?"; "tell me about X" may be "what is X?"
        }
        if (specificA != specificB) {
            return 0; // "why was I charged twice?" is not "I was charged twice", nor "why?" "thanks!"
        }
        int all = common + onlyA + onlyB;
        if (all == 0) {
            return 1;
        }
        if (common == 0 || (onlyA > 0 && onlyB > 0) || reversed(a.order(), b.order())) {
            return 0; // a word in each that the other lacks: another question of the same shape, however long
        }
        return (double) common / all;
    }

    /**
     * Whether the shared words of two placed sketches take different roles, cross a role word in other orders, or
     * (both questions having personal pronouns) cross a pronoun in other orders. A sketch kept before pronouns were
     * placed has none, so it is compared as before. Sorting, not pair by pair: O(n log n) in the shared words.
     */
    private static boolean reversed(long[] a, long[] b) {
        if (a.length == 0 || b.length == 0) {
            return false;
        }
        java.util.Map<Long, Long> inB = new java.util.HashMap<>();
        boolean personsB = false;
        for (int k = 0; k + 1 < b.length; k += 2) {
            inB.put(b[k], b[k + 1]);
            personsB |= persons(b[k + 1]) > 0;
        }
        boolean personsA = false;
        List<long[]> shared = new ArrayList<>(); // {place in a, place in b}, in a's order
        for (int k = 0; k + 1 < a.length; k += 2) {
            personsA |= persons(a[k + 1]) > 0;
            Long other = inB.get(a[k]);
            if (other == null) {
                continue;
            }
            long roleA = a[k + 1] & 15;
            long roleB = other & 15;
            if (roleA != 0 && roleB != 0 && roleA != roleB) {
                return true;
            }
            shared.add(new long[] {a[k + 1], other});
        }
        int n = shared.size();
        long[] segmentA = new long[n];
        long[] segmentB = new long[n];
        long[] personsInA = new long[n];
        long[] personsInB = new long[n];
        long[] positionA = new long[n];
        long[] positionB = new long[n];
        for (int k = 0; k < n; k++) {
            long[] p = shared.get(k);
            segmentA[k] = segment(p[0]);
            segmentB[k] = segment(p[1]);
            personsInA[k] = persons(p[0]);
            personsInB[k] = persons(p[1]);
            positionA[k] = position(p[0]);
            positionB[k] = position(p[1]);
        }
        if (crosses(segmentA, segmentB)) {
            return true; // "USD to EUR", "EUR to USD"
        }
        // who does what to whom: "my manager read my messages", "I read my manager's". The count of pronouns before a
        // word only grows along its question, so two words a pronoun separates in one question come in the other
        // order in the other exactly when the earlier of them (by that count) comes later in the other.
        return personsA && personsB && (crosses(personsInA, positionB) || crosses(personsInB, positionA));
    }

    /**
     * Whether two shared words stand in other orders: one has the lower {@code key} and the higher {@code value}. Sorted
     * by key, each group of equal keys is checked against the highest value of the groups before it.
     */
    private static boolean crosses(long[] key, long[] value) {
        Integer[] byKey = new Integer[key.length];
        for (int k = 0; k < byKey.length; k++) {
            byKey[k] = k;
        }
        Arrays.sort(byKey, (x, y) -> Long.compare(key[x], key[y]));
        long highestBefore = Long.MIN_VALUE;
        int k = 0;
        while (k < byKey.length) {
            int end = k;
            long highest = Long.MIN_VALUE;
            while (end < byKey.length && key[byKey[end]] == key[byKey[k]]) {
                long v = value[byKey[end]];
                if (v < highestBefore) {
                    return true;
                }
                highest = Math.max(highest, v);
                end++;
            }
            highestBefore = Math.max(highestBefore, highest);
            k = end;
        }
        return false;
    }

    private static long segment(long place) {
        return (place >> SEGMENT_SHIFT) & FIELD;
    }

    private static long persons(long place) {
        return (place >> PERSONS_SHIFT) & FIELD;
    }

    private static long position(long place) {
        return (place >> POSITION_SHIFT) & POSITION;
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

/**
 * How texts become search terms: words of letters and digits (lower-cased, accents removed),
 * reduced to their English stems (Porter2: "deployments", "deploying" → "deploy"), each marked
 * when it is a stop word ("the", "which", "do"), which a query leaves out.
 */
import stem from 'wink-porter2-stemmer';

/** Lower-cased words of letters and digits, accents removed (NFKD, combining marks dropped). */
export function tokenise(text: string): string[] {
  // Plain ASCII (most notes) needs no Unicode normalisation, and a simpler pattern is faster.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is what is tested
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/**
 * Snowball's English stop word list, as `tokenise` splits it ("don't" → "don", "t"): words that
 * say how a question is asked, not what it is about.
 */
const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself ' +
    'she her hers herself it its itself they them their theirs themselves what which who whom ' +
    'this that these those am is are was were be been being have has had having do does did ' +
    'doing would should could ought a an the and but if or because as until while of at by for ' +
    'with about against between into through during before after above below to from up down in ' +
    'out on off over under again further then once here there when where why how all any both ' +
    'each few more most other some such no nor not only own same so than too very s t can will ' +
    'just don now d ll m o re ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn ' +
    'mustn needn shan shouldn wasn weren won wouldn'
  ).split(' '),
);

/** Longer "words" (hashes, base64) are cut: they are matched by their start. */
const MAX_TERM_LENGTH = 64;

/**
 * Stems are memoised: a namespace repeats its vocabulary, and stemming is most of the cost of
 * indexing. Bounded: cleared when full (an unusual stream of new words costs only re-stemming).
 */
const stems = new Map<string, string>();
const MAX_MEMOISED_STEMS = 200_000;

function stemOf(word: string): string {
  let found = stems.get(word);
  if (found === undefined) {
    // Numbers and words in scripts the English stemmer does not know stay as they are.
    found = /^[a-z]+$/.test(word) ? stem(word) : word;
    if (stems.size >= MAX_MEMOISED_STEMS) stems.clear();
    stems.set(word, found);
  }
  return found;
}

const cut = (word: string): string =>
  word.length > MAX_TERM_LENGTH ? word.slice(0, MAX_TERM_LENGTH) : word;

/** The search term of one word as `tokenise` gives it (stop words have theirs too). */
export const termOf = (word: string): string => stemOf(cut(word));

/**
 * The distinct terms a query looks for: its words but the stop words; a query made only of stop
 * words ("who is it") looks for those rather than for nothing.
 */
export function queryTerms(query: string): string[] {
  const words = tokenise(query).map(cut);
  const content = words.filter((word) => !STOP_WORDS.has(word));
  return [...new Set((content.length > 0 ? content : words).map(stemOf))];
}

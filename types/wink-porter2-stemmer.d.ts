declare module 'wink-porter2-stemmer' {
  /** The English (Porter2) stem of one lower-case word. */
  function stem(word: string): string;
  export default stem;
}

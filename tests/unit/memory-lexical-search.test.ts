/**
 * Lexical search in memory: the analysis of words (stems, stop words, accents), BM25 as search
 * engines weigh terms (rarity, saturation, length), near words for typos and short forms, and
 * scores on a 0..1 scale.
 */
import { describe, expect, it } from 'vitest';
import {
  LexicalIndex,
  type LexicalSource,
  scoreLexically,
} from '../../shared/core/memory/lexical-search.js';
import { queryTerms, termOf, tokenise } from '../../shared/core/memory/text-analysis.js';
import { TopK } from '../../shared/core/memory/vector-search.js';

/** An index of texts, the first one newest; ids are their positions as letters (a, b, c…). */
const indexOf = (texts: string[], expires: number[] = []) =>
  LexicalIndex.build(
    texts.map((text, i) => ({
      id: String.fromCharCode(122 - i),
      text,
      expiresAtMs: expires[i] ?? 0,
    })),
    true,
  );

function rank(
  query: string,
  sources: LexicalSource<string>[],
  options: { nowMs?: number; minScore?: number; k?: number } = {},
) {
  const top = new TopK<string>(options.k ?? 10);
  const compared = scoreLexically(query, sources, {
    nowMs: options.nowMs ?? 0,
    minScore: options.minScore ?? 0,
    top,
  });
  return {
    compared,
    hits: top.sorted().map((c) => ({ id: c.key, source: c.value, score: c.score })),
  };
}

const search = (texts: string[], query: string) =>
  rank(query, [{ index: indexOf(texts), count: texts.length, value: 'ns' }]).hits.map(
    (hit) => texts[122 - hit.id.charCodeAt(0)],
  );

describe('text analysis', () => {
  it('reduces words to their stems, lower-cased and without accents', () => {
    // Assess
    expect(
      ['Deployments', 'deploying', 'deployed', 'deploy'].map((w) => termOf(w.toLowerCase())),
    ).toEqual(['deploy', 'deploy', 'deploy', 'deploy']);
    expect(tokenise('Café RÉSUMÉ, naïve')).toEqual(['cafe', 'resume', 'naive']);
    expect(tokenise("It's 2025 — Straße 東京")).toEqual(['it', 's', '2025', 'straße', '東京']);
    // Numbers and other scripts are kept as they are.
    expect(termOf('2025')).toBe('2025');
    expect(termOf('東京')).toBe('東京');
  });

  it('leaves stop words out of a query, unless the query has nothing else', () => {
    // Assess
    expect(queryTerms('Which database do we use?')).toEqual(['databas', 'use']);
    expect(queryTerms('who is it')).toEqual(['who', 'is', 'it']);
    expect(queryTerms('databases, DATABASE and database')).toEqual(['databas']);
  });
});

describe('BM25 ranking', () => {
  it("ranks the issue's example right: the rare word decides, not the common one", () => {
    // Prepare
    const notes = [
      'The deployment pipeline uses CDK and esbuild',
      'The database is DynamoDB with a single table design',
      'We use Slack for chat and we use Zoom for calls',
    ];

    // Act
    const found = search(notes, 'which database do we use');

    // Assess
    expect(found[0]).toBe('The database is DynamoDB with a single table design');
  });

  it('weighs a term by its rarity: a match on a rare word beats one on a common word', () => {
    // Prepare: "report" is in 4 notes of 5, "quarterly" in one
    const notes = [
      'weekly report for sales',
      'monthly report for finance',
      'daily report for support',
      'quarterly planning notes',
      'annual report for the board',
    ];

    // Act
    const found = search(notes, 'quarterly report');

    // Assess
    expect(found[0]).toBe('quarterly planning notes');
  });

  it('saturates repeats: three times a word counts less than three times as much', () => {
    // Prepare
    const index = indexOf(['cache cache cache', 'cache', 'other words here']);

    // Act
    const { hits } = rank('cache', [{ index, count: 3, value: 'ns' }]);
    const [thrice, once] = hits.map((h) => h.score);

    // Assess
    expect(hits.map((h) => h.id)).toEqual(['z', 'y']);
    expect(thrice as number).toBeGreaterThan(once as number);
    expect(Math.atanh(thrice as number)).toBeLessThan(2 * Math.atanh(once as number));
  });

  it('prefers the same match in a shorter memory', () => {
    // Prepare
    const short = 'backups are weekly';
    const long = 'backups are weekly and this note also talks about many other unrelated things';

    // Assess
    expect(search([long, short], 'backups')[0]).toBe(short);
  });

  it('scores on 0..1: tanh of the matched share of the query, exactly as BM25 weighs it', () => {
    // Prepare: N = 2, df(beta) = 1, average length 2.5, "alpha beta" has 2 words
    const index = indexOf(['alpha beta', 'alpha gamma gamma']);

    // Act
    const { hits } = rank('beta', [{ index, count: 2, value: 'ns' }]);

    // Assess
    const idf = Math.log(1 + (2 - 1 + 0.5) / (1 + 0.5));
    const tf = (1 * 2.2) / (1 + 1.2 * (1 - 0.75 + (0.75 * 2) / 2.5));
    expect(hits).toEqual([{ id: 'z', source: 'ns', score: Math.tanh((idf * tf) / idf) }]);
    expect(hits[0]?.score).toBeCloseTo(0.79655, 4);
  });

  it('counts a query word it cannot find in what a full match would be', () => {
    // Prepare
    const index = indexOf(['alpha beta', 'alpha gamma gamma']);

    // Act
    const alone = rank('beta', [{ index, count: 2, value: 'ns' }]).hits[0]?.score ?? 0;
    const withMissing = rank('beta zulu', [{ index, count: 2, value: 'ns' }]).hits[0]?.score ?? 0;

    // Assess
    expect(withMissing).toBeGreaterThan(0);
    expect(withMissing).toBeLessThan(alone);
  });

  it('finds nothing, not everything, when no memory shares a word with the query', () => {
    // Assess
    expect(search(['the cat sat', 'a dog ran'], 'spreadsheet formulas')).toEqual([]);
  });

  it('leaves out memories under minScore, and expired ones', () => {
    // Prepare
    const index = indexOf(['alpha beta', 'alpha', 'beta beta'], [0, 0, 1000]);
    const sources = [{ index, count: 3, value: 'ns' }];

    // Act
    const all = rank('alpha beta', sources, { nowMs: 999 });
    const later = rank('alpha beta', sources, { nowMs: 1000 });
    const strict = rank('alpha beta', sources, { nowMs: 999, minScore: 0.6 });

    // Assess
    expect(all.hits.map((h) => h.id)).toEqual(['z', 'x', 'y']);
    expect(later.hits.map((h) => h.id)).toEqual(['z', 'y']);
    expect(strict.hits.map((h) => h.id)).toEqual(['z']);
    expect(all.hits.every((h) => h.score > 0 && h.score < 1)).toBe(true);
  });

  it('counts rarity over every namespace searched, and compares only the first count of each', () => {
    // Prepare: "kafka" is common in one namespace and rare over both
    const busy = indexOf(['kafka topics', 'kafka consumers', 'kafka brokers', 'kafka lag']);
    const quiet = indexOf(['kafka retention is seven days', 'lunch is at noon']);

    // Act
    const both = rank('kafka retention', [
      { index: busy, count: 4, value: 'busy' },
      { index: quiet, count: 2, value: 'quiet' },
    ]);
    const bounded = rank('kafka', [{ index: busy, count: 2, value: 'busy' }]);

    // Assess
    expect(both.compared).toBe(6);
    expect(both.hits[0]).toMatchObject({ id: 'z', source: 'quiet' });
    expect(bounded.compared).toBe(2);
    expect(bounded.hits.map((h) => h.id)).toEqual(['z', 'y']);
    expect(busy.documentFrequency('kafka', 2)).toBe(2);
    expect(busy.documentFrequency('kafka', 10)).toBe(4);
  });
});

describe('near words', () => {
  it('matches a misspelt word one edit away, and a long one two edits away', () => {
    // Prepare
    const notes = [
      'the database is dynamodb',
      'the office has a kitchen',
      'infrastructure as code',
    ];

    // Assess
    expect(search(notes, 'which databse')[0]).toBe('the database is dynamodb');
    expect(search(notes, 'infrastracture')[0]).toBe('infrastructure as code');
  });

  it('matches a short form by its start ("retro" finds "retrospectives")', () => {
    // Assess
    expect(
      search(['sprint retrospectives are on fridays', 'lunch is at noon'], 'next retro'),
    ).toEqual(['sprint retrospectives are on fridays']);
  });

  it('weighs a near word below the word itself, and looks for near words only when it is absent', () => {
    // Prepare
    const index = indexOf(['test results', 'text results']);

    // Act
    const exact = rank('test', [{ index, count: 2, value: 'ns' }]);

    // Assess: "text" is one edit from "test", but "test" exists, so only it is matched
    expect(exact.hits.map((h) => h.id)).toEqual(['z']);
    expect([...indexOf(['text results']).nearTerms('test')]).toEqual([['text', 0.6]]);
    expect([...indexOf(['text results']).nearTerms('tex')]).toEqual([]);
  });
});

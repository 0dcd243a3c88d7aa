/**
 * How a workflow's step outputs become its output (API.md `aggregate.mode`), for every mode but
 * `agent` (there an aggregator agent's task answers, and its output is the workflow's):
 * - `last`: the last step's output, in step order;
 * - `concat`: the outputs as text (non-strings as JSON) joined by a blank line;
 * - `merge`: JSON objects deep-merged in step order (later steps win; arrays are replaced);
 *   a string output is parsed as JSON first; anything that is not an object fails the workflow;
 * - `vote`: the output most steps gave (strings compared trimmed, JSON by value); a tie goes to
 *   the value of the earliest step among the tied.
 */
import type { AggregateMode } from './workflow.js';

export interface StepOutput {
  stepId: string;
  output: unknown;
}

export class AggregationError extends Error {
  constructor(
    message: string,
    readonly stepId: string | null,
  ) {
    super(message);
    this.name = 'AggregationError';
  }
}

export function aggregate(mode: Exclude<AggregateMode, 'agent'>, outputs: StepOutput[]): unknown {
  switch (mode) {
    case 'last':
      return outputs.at(-1)?.output ?? null;
    case 'concat':
      return outputs
        .map(({ output }) => (typeof output === 'string' ? output : JSON.stringify(output)))
        .join('\n\n');
    case 'merge':
      return outputs.reduce<Record<string, unknown>>(
        (merged, { stepId, output }) => deepMerge(merged, asObject(stepId, output)),
        {},
      );
    case 'vote':
      return vote(outputs);
  }
}

function asObject(stepId: string, output: unknown): Record<string, unknown> {
  let value = output;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new AggregationError(`step '${stepId}' did not answer a JSON object to merge`, stepId);
    }
  }
  if (!isPlainObject(value)) {
    throw new AggregationError(`step '${stepId}' did not answer a JSON object to merge`, stepId);
  }
  return value;
}

export function deepMerge(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const existing = Object.hasOwn(merged, key) ? merged[key] : undefined;
    // Defined, not assigned: a `__proto__` key in a step's JSON stays a key, not a prototype.
    Object.defineProperty(merged, key, {
      value: isPlainObject(existing) && isPlainObject(value) ? deepMerge(existing, value) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged;
}

function vote(outputs: StepOutput[]): unknown {
  const tally = new Map<string, { count: number; first: number; value: unknown }>();
  outputs.forEach(({ output }, index) => {
    const key = canonical(output);
    const entry = tally.get(key);
    if (entry) entry.count++;
    else tally.set(key, { count: 1, first: index, value: output });
  });
  let winner: { count: number; first: number; value: unknown } | undefined;
  for (const entry of tally.values()) {
    if (
      !winner ||
      entry.count > winner.count ||
      (entry.count === winner.count && entry.first < winner.first)
    ) {
      winner = entry;
    }
  }
  return winner?.value ?? null;
}

/** One key per value: trimmed strings, JSON with sorted object keys for everything else. */
function canonical(value: unknown): string {
  if (typeof value === 'string') return `s:${value.trim()}`;
  return `j:${JSON.stringify(sortKeys(value))}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys(value[key])]),
    );
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An aggregator's `score` (0..1) in its output, plain or as JSON text; null when none. */
export function qualityOf(output: unknown): number | null {
  let value = output;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!isPlainObject(value)) return null;
  const score = value.score;
  return typeof score === 'number' && score >= 0 && score <= 1 ? score : null;
}

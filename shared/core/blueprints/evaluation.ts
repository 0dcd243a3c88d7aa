/**
 * Evaluation of an agent on a case: what a good answer must contain (or must not), which tools
 * it must (or must not) have called, and the score: the share of those checks it passes.
 */

export interface EvaluationCase {
  id: string;
  /** The task input. */
  input: unknown;
  /** Memories written to the agent before the task. */
  memories?: string[];
  expect: {
    /** Every one of these, ignoring case. */
    contains?: string[];
    /** At least one of each group, ignoring case (wordings a good answer may use). */
    containsAny?: string[][];
    /** None of these, ignoring case. */
    excludes?: string[];
    /** At most this many words. */
    maxWords?: number;
    /**
     * The answer is JSON (possibly in a code fence) with these fields: `"*"` for any value,
     * else that value.
     */
    json?: Record<string, unknown>;
    /** Tools called, each at least once with success. */
    tools?: string[];
    /** Tools never called. */
    notTools?: string[];
  };
}

/** What the agent did on a case: its answer and the tools it called. */
export interface CaseRun {
  status: string;
  output: unknown;
  toolCalls: { name: string; ok: boolean }[];
}

export interface CheckResult {
  check: string;
  ok: boolean;
}

export interface CaseScore {
  id: string;
  /** Checks passed ÷ checks, 0..1; 0 when the task did not succeed. */
  score: number;
  checks: CheckResult[];
}

const text = (output: unknown): string =>
  typeof output === 'string' ? output : (JSON.stringify(output) ?? '');

/** JSON in the answer: the whole of it, or the first code fence. */
export function answerJson(output: unknown): unknown {
  if (typeof output !== 'string') return output;
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(output);
  for (const candidate of [output, fenced?.[1]]) {
    if (candidate === undefined) continue;
    try {
      return JSON.parse(candidate.trim());
    } catch {
      // not this one
    }
  }
  return undefined;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function scoreCase(testCase: EvaluationCase, run: CaseRun): CaseScore {
  const answer = text(run.output);
  const { expect } = testCase;
  const checks: CheckResult[] = [
    { check: 'the task succeeded', ok: run.status === 'succeeded' },
    ...textChecks(answer, expect),
    ...(expect.json ? jsonChecks(run.output, expect.json) : []),
    ...toolChecks(run.toolCalls, expect),
  ];
  const passed = checks.filter((c) => c.ok).length;
  return {
    id: testCase.id,
    score: run.status === 'succeeded' ? passed / checks.length : 0,
    checks,
  };
}

function textChecks(answer: string, expect: EvaluationCase['expect']): CheckResult[] {
  const lower = answer.toLowerCase();
  const has = (needle: string) => lower.includes(needle.toLowerCase());
  const checks = [
    ...(expect.contains ?? []).map((n) => ({ check: `contains "${n}"`, ok: has(n) })),
    ...(expect.containsAny ?? []).map((group) => ({
      check: `contains one of ${group.map((g) => `"${g}"`).join(', ')}`,
      ok: group.some(has),
    })),
    ...(expect.excludes ?? []).map((n) => ({ check: `does not contain "${n}"`, ok: !has(n) })),
  ];
  if (expect.maxWords !== undefined) {
    const words = answer.split(/\s+/).filter(Boolean).length;
    checks.push({
      check: `at most ${expect.maxWords} words (${words})`,
      ok: words <= expect.maxWords,
    });
  }
  return checks;
}

function jsonChecks(output: unknown, fields: Record<string, unknown>): CheckResult[] {
  const json = answerJson(output);
  const object =
    typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : undefined;
  return [
    { check: 'answers with a JSON object', ok: object !== undefined },
    ...Object.entries(fields).map(([key, value]) => ({
      check: value === '*' ? `has "${key}"` : `"${key}" is ${JSON.stringify(value)}`,
      ok:
        object !== undefined &&
        Object.hasOwn(object, key) &&
        (value === '*' || same(object[key], value)),
    })),
  ];
}

function toolChecks(calls: CaseRun['toolCalls'], expect: EvaluationCase['expect']): CheckResult[] {
  const succeeded = new Set(calls.filter((call) => call.ok).map((call) => call.name));
  const attempted = new Set(calls.map((call) => call.name));
  return [
    ...(expect.tools ?? []).map((t) => ({ check: `calls ${t}`, ok: succeeded.has(t) })),
    ...(expect.notTools ?? []).map((t) => ({ check: `does not call ${t}`, ok: !attempted.has(t) })),
  ];
}

/** The mean of the cases' scores, 0..1. */
export const totalScore = (scores: CaseScore[]): number =>
  scores.length === 0 ? 0 : scores.reduce((sum, s) => sum + s.score, 0) / scores.length;

/**
 * How a model does as a blueprint's agent: each of the blueprint's evaluation cases (the
 * memories it needs, the task input) is run as a task of a fresh agent registered from the
 * blueprint on the model route asked for, and scored by what the answer must contain (or must
 * not) and the tools it must (or must not) call. `npm run eval` calls this; so can a CLI.
 */
import { randomBytes } from 'node:crypto';
import { findBlueprint } from '../shared/core/blueprints/catalogue.js';
import { type CaseScore, scoreCase, totalScore } from '../shared/core/blueprints/evaluation.js';
import { type AgentCoreClient, ApiError, ENDED } from './api-client.js';
import { isDeterministicOnly, routeModels } from './models.js';

export interface EvaluationOptions {
  blueprint: string;
  /** The model route the agent uses (`GET /v1/models` lists them). */
  modelRoute: string;
  /** Longest wait for one case's task. */
  caseTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface CaseResult extends CaseScore {
  status: string;
  output: unknown;
  error: { code: string; message: string } | null;
}

export interface EvaluationResult {
  blueprint: string;
  modelRoute: string;
  /** What the route calls, first target first, e.g. `openai:llama3.1`. */
  models: string[];
  cases: CaseResult[];
  /** The mean of the cases' scores, 0..1. */
  score: number;
}

interface TaskView {
  status: string;
  output: unknown;
  error: { code: string; message: string } | null;
  steps: { kind: string; name: string; ok: boolean }[];
}

/** Runs every case of a blueprint's evaluation set and scores it. */
export async function evaluateBlueprint(
  client: AgentCoreClient,
  options: EvaluationOptions,
): Promise<EvaluationResult> {
  const log = options.log ?? (() => undefined);
  const blueprint = findBlueprint(options.blueprint);
  await client.get(`/v1/blueprints/${encodeURIComponent(options.blueprint)}`).catch((error) => {
    if (error instanceof ApiError && error.status === 404) {
      throw new Error(`the agent-core at ${client.url} has no blueprint '${options.blueprint}'`);
    }
    throw error;
  });
  if (!blueprint) throw new Error(`no evaluation set for blueprint '${options.blueprint}'`);
  const models = await routeModels(client, options.modelRoute);
  const run = randomBytes(3).toString('hex');
  const cases: CaseResult[] = [];
  for (const testCase of blueprint.evaluation.cases) {
    const agentId = `eval-${blueprint.id}-${run}-${testCase.id}`.slice(0, 63).replace(/-+$/, '');
    log(`case ${testCase.id}: agent ${agentId}…`);
    await client.post('/v1/agents', {
      id: agentId,
      blueprint: blueprint.id,
      model: { route: options.modelRoute },
      ...blueprint.evaluation.agent,
    });
    try {
      for (const text of testCase.memories ?? []) {
        await client.post(`/v1/agents/${agentId}/memories`, { text });
      }
      const submitted = await client.post<{ id: string }>('/v1/tasks', {
        agentId,
        input: testCase.input,
      });
      const task = await client.waitFor<TaskView>(
        `/v1/tasks/${submitted.id}`,
        (t) => ENDED.includes(t.status),
        { timeoutMs: options.caseTimeoutMs ?? 300_000 },
      );
      const score = scoreCase(testCase, {
        status: task.status,
        output: task.output,
        toolCalls: task.steps.filter((s) => s.kind === 'tool'),
      });
      cases.push({ ...score, status: task.status, output: task.output, error: task.error });
      log(`case ${testCase.id}: ${percent(score.score)}`);
    } finally {
      // Retired, not deleted: its tasks and trace stay to be looked at.
      await client.delete(`/v1/agents/${agentId}`).catch(() => undefined);
    }
  }
  return {
    blueprint: blueprint.id,
    modelRoute: options.modelRoute,
    models,
    cases,
    score: totalScore(cases),
  };
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** The result as a table: a score per case, the checks it failed, and the total. */
export function formatEvaluation(result: EvaluationResult): string {
  const width = Math.max(4, ...result.cases.map((c) => c.id.length));
  const lines = [
    `Blueprint ${result.blueprint} on route ${result.modelRoute} (${result.models.join(' → ')})`,
    ...(isDeterministicOnly(result.models)
      ? [
          `  The route answers with ${result.models.join(', ')}, not a model: these scores say nothing about one. Configure a model (README: Models) and name its route with --model-route.`,
        ]
      : []),
    '',
    `  ${'case'.padEnd(width)}  score  failed checks`,
  ];
  for (const c of result.cases) {
    const failed = c.checks.filter((check) => !check.ok).map((check) => check.check);
    const why =
      c.status === 'succeeded' ? failed.join('; ') : `task ${c.status}: ${c.error?.message ?? ''}`;
    lines.push(`  ${c.id.padEnd(width)}  ${percent(c.score).padStart(5)}  ${why}`);
  }
  lines.push(
    `  ${'total'.padEnd(width)}  ${percent(result.score).padStart(5)}  (${result.cases.length} cases)`,
  );
  return lines.join('\n');
}

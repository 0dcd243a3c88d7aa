/**
 * Use cases of the learning layer: learn from finished tasks and workflows (and announce the
 * anomalies that raises), show an agent's insights and the report, and recommend a strategy
 * (the orchestration layer asks `recommend` for `auto` workflows).
 */
import * as z from 'zod';
import { insightAnomaly } from '../../../events/insight-events.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { createEvent } from '../events.js';
import { AGENT_ID_PATTERN } from '../ids.js';
import type { AgentStore, Clock, EventPublisher, PageRequest } from '../ports.js';
import { parseInput } from '../validation.js';
import type { Anomaly } from './anomaly.js';
import { type InsightKey, insightKey, type Outcome } from './outcome.js';
import type { InsightStore } from './ports.js';
import { candidatesFor, chooseStrategy, PRIORITIES, type Recommendation } from './recommend.js';
import {
  type AgentInsights,
  type AnomalyView,
  agentInsights,
  anomalyView,
  type LearningConfig,
  learn,
  markPublished,
  pendingAnomalies,
  type StrategyInsights,
  strategyInsights,
} from './summary.js';

export type { Recommendation } from './recommend.js';

export interface LearnDeps {
  insights: InsightStore;
  events: EventPublisher;
  clock: Clock;
  config: LearningConfig;
}

/** A well-formed record of a batch and the outcome it reports. */
export interface OutcomeRecord {
  recordId: string;
  outcome: Outcome;
}

export interface LearnProblem {
  key: InsightKey;
  error: unknown;
  recordIds: string[];
}

export interface LearnResult {
  /** Records to deliver again. */
  failedRecordIds: string[];
  problems: LearnProblem[];
}

/**
 * Learns a batch of outcomes: one read-modify-write per key (agent or strategy) for the whole
 * batch, then, for an agent whose summary holds anomalies not yet announced, the anomaly log,
 * the `insight.anomaly` events and a write marking them announced. The summary is the outbox:
 * if announcing fails, the records fail, and their redelivery (counted once, by event id)
 * announces what is still pending. A failure fails only the records of that key.
 */
export async function recordOutcomes(
  deps: LearnDeps,
  records: readonly OutcomeRecord[],
): Promise<LearnResult> {
  const byKey = new Map<InsightKey, OutcomeRecord[]>();
  for (const record of records) {
    const list = byKey.get(record.outcome.key) ?? [];
    list.push(record);
    byKey.set(record.outcome.key, list);
  }
  const problems: LearnProblem[] = [];
  await Promise.all(
    [...byKey].map(async ([key, group]) => {
      try {
        const outcomes = group.map((r) => r.outcome);
        const summary = await deps.insights.update(key, (current) =>
          learn(current, key, outcomes, deps.config, deps.clock.now()),
        );
        await announce(deps, key, pendingAnomalies(summary));
      } catch (error) {
        problems.push({ key, error, recordIds: group.map((r) => r.recordId) });
      }
    }),
  );
  return { failedRecordIds: problems.flatMap((p) => p.recordIds), problems };
}

async function announce(deps: LearnDeps, key: InsightKey, pending: Anomaly[]): Promise<void> {
  if (pending.length === 0) return;
  await deps.insights.logAnomalies(pending);
  await deps.events.publish(
    pending.map((a) =>
      createEvent(
        insightAnomaly,
        {
          agentId: a.agentId,
          metric: a.metric,
          value: a.value,
          baseline: a.baseline,
          zScore: a.zScore,
          taskId: a.taskId,
          message: a.message,
        },
        { correlationId: a.correlationId, clock: deps.clock },
      ),
    ),
  );
  const ids = pending.map((a) => a.id);
  await deps.insights.update(key, (current) => markPublished(current, ids));
}

/**
 * An agent's insights. An agent with no history yet answers with zero executions; a name that
 * is neither a registered agent nor has history is a 404.
 */
export async function getAgentInsights(
  deps: { insights: InsightStore; agents: AgentStore },
  agentId: string,
): Promise<AgentInsights> {
  const notFound = () => new NotFoundError(`agent '${agentId}' not found`);
  if (!AGENT_ID_PATTERN.test(agentId)) throw notFound();
  const summary = await deps.insights.get(insightKey('agent', agentId));
  if (!summary && !(await deps.agents.get(agentId))) throw notFound();
  return agentInsights(agentId, summary);
}

/** Anomalies the report shows, across all agents. */
export const REPORT_ANOMALIES = 20;

export interface InsightReport {
  /** Every strategy with history. */
  strategies: StrategyInsights[];
  /** A page of agents with history, by id (`?limit=`, `?cursor=`). */
  agents: AgentInsights[];
  nextCursor: string | null;
  /** The latest anomalies of any agent, newest first (at most REPORT_ANOMALIES). */
  recentAnomalies: AnomalyView[];
}

export async function insightReport(
  deps: { insights: InsightStore },
  page: PageRequest,
): Promise<InsightReport> {
  const [strategies, agents, anomalies] = await Promise.all([
    deps.insights.list('strategy', { limit: 100 }),
    deps.insights.list('agent', page),
    deps.insights.recentAnomalies(REPORT_ANOMALIES),
  ]);
  return {
    strategies: strategies.items.map(strategyInsights),
    agents: agents.items.map((summary) => agentInsights(summary.name, summary)),
    nextCursor: agents.nextCursor,
    recentAnomalies: anomalies.map(anomalyView),
  };
}

const MAX_STEPS = 100;

export const recommendRequestSchema = z.strictObject({
  steps: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(63),
        agentId: z.string().regex(AGENT_ID_PATTERN, 'must match ^[a-z0-9][a-z0-9-]{1,62}$'),
        dependsOn: z.array(z.string()).max(MAX_STEPS).default([]),
        /** Accepted so that a workflow's steps can be sent as they are; not used. */
        input: z.unknown().optional(),
      }),
    )
    .min(1, 'at least one step is required')
    .max(MAX_STEPS),
  priority: z.enum(PRIORITIES).default('balanced'),
});

export type RecommendRequest = z.output<typeof recommendRequestSchema>;

/** Duplicate ids, dependencies on unknown steps or on themselves, and cycles: 400s naming the step. */
function checkSteps(steps: RecommendRequest['steps']): void {
  const issues: { path: string; message: string }[] = [];
  const index = new Map<string, number>();
  steps.forEach((step, i) => {
    if (index.has(step.id)) issues.push({ path: `steps.${i}.id`, message: 'duplicate step id' });
    else index.set(step.id, i);
  });
  steps.forEach((step, i) => {
    step.dependsOn.forEach((dep, j) => {
      if (dep === step.id) {
        issues.push({
          path: `steps.${i}.dependsOn.${j}`,
          message: 'a step cannot depend on itself',
        });
      } else if (!index.has(dep)) {
        issues.push({ path: `steps.${i}.dependsOn.${j}`, message: `unknown step '${dep}'` });
      }
    });
  });
  if (issues.length === 0) {
    // Kahn: whatever cannot be ordered is on a cycle or waits for one.
    const remaining = new Map(steps.map((s) => [s.id, new Set(s.dependsOn)]));
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const [id, deps] of remaining) {
        if ([...deps].every((d) => !remaining.has(d))) {
          remaining.delete(id);
          progressed = true;
        }
      }
    }
    for (const id of remaining.keys()) {
      issues.push({
        path: `steps.${index.get(id)}.dependsOn`,
        message: 'the dependencies form a cycle',
      });
    }
  }
  if (issues.length > 0) {
    throw new ValidationError(
      `invalid recommendation request: ${issues.map((i) => i.path).join(', ')}`,
      issues,
    );
  }
}

/**
 * Recommends a strategy for a set of steps (`POST /v1/insights/recommend`, and `auto`
 * workflows): validates the body (ValidationError naming the fields), reads the candidates'
 * histories (one batch read) and chooses (see recommend.ts).
 */
export async function recommend(
  deps: { insights: InsightStore },
  body: unknown,
): Promise<Recommendation> {
  const request = parseInput(recommendRequestSchema, body, 'recommendation request');
  checkSteps(request.steps);
  const hasDependencies = request.steps.some((s) => s.dependsOn.length > 0);
  const candidates = candidatesFor(hasDependencies);
  const summaries = await deps.insights.getMany(
    candidates.map((strategy) => insightKey('strategy', strategy)),
  );
  const history = Object.fromEntries(
    candidates.map((strategy) => [
      strategy,
      summaries.get(insightKey('strategy', strategy))?.window ?? [],
    ]),
  );
  return chooseStrategy({ hasDependencies, priority: request.priority }, history);
}

/**
 * What the learning layer learns from: a finished task (evidence about its agent) or a finished
 * workflow (evidence about the strategy it ran with), read from a bus event. A task's outcome is
 * counted once, from `task.succeeded` or `task.failed` (every failed task has exactly one
 * `task.failed`; `task.dead-lettered` repeats it and is not evidence). Cancelled tasks and
 * workflows say nothing about how well an agent or a strategy does, so they are ignored.
 */
import type { BusEvent } from '../../../events/envelope.js';
import { taskFailed, taskSucceeded } from '../../../events/task-events.js';
import { workflowFailed, workflowSucceeded } from '../../../events/workflow-events.js';
import { ValidationError } from '../errors.js';
import { parseInput } from '../validation.js';
import type { Execution } from './stats.js';

export type InsightKind = 'agent' | 'strategy';

/** `agent:<id>` or `strategy:<name>`: what a summary is about. */
export type InsightKey = `${InsightKind}:${string}`;

export const insightKey = (kind: InsightKind, name: string): InsightKey => `${kind}:${name}`;

export function parseInsightKey(key: InsightKey): { kind: InsightKind; name: string } {
  const at = key.indexOf(':');
  return { kind: key.slice(0, at) as InsightKind, name: key.slice(at + 1) };
}

export interface Outcome {
  key: InsightKey;
  execution: Execution;
  /** The task or workflow. */
  ref: string;
  correlationId: string;
}

const timeOf = (event: BusEvent): number => {
  const at = Date.parse(event.detail.time);
  return Number.isNaN(at) ? Date.parse(event.time) : at;
};

/**
 * The outcome an event reports; null for an event that is not evidence. Throws a
 * ValidationError when the event is one of those learnt from but its data is malformed.
 */
export function outcomeOf(event: BusEvent): Outcome | null {
  const base = { id: event.detail.id, at: timeOf(event) };
  const { correlationId } = event.detail;
  if (Number.isNaN(base.at)) {
    throw new ValidationError('invalid event time', [
      { path: 'detail.time', message: 'not an ISO-8601 time' },
    ]);
  }
  switch (event['detail-type']) {
    case taskSucceeded.type: {
      const data = parseInput(taskSucceeded.data, event.detail.data, 'task.succeeded', 'data');
      return {
        key: insightKey('agent', data.agentId),
        ref: data.taskId,
        correlationId,
        execution: {
          ...base,
          ok: true,
          latencyMs: data.durationMs,
          costUsd: data.usage.costUsd,
          quality: null,
        },
      };
    }
    case taskFailed.type: {
      const data = parseInput(taskFailed.data, event.detail.data, 'task.failed', 'data');
      // `task.failed` carries no usage: a failed task's cost is not known here.
      return {
        key: insightKey('agent', data.agentId),
        ref: data.taskId,
        correlationId,
        execution: { ...base, ok: false, latencyMs: null, costUsd: 0, quality: null },
      };
    }
    case workflowSucceeded.type:
    case workflowFailed.type: {
      const ok = event['detail-type'] === workflowSucceeded.type;
      const schema = ok ? workflowSucceeded.data : workflowFailed.data;
      const data = parseInput(schema, event.detail.data, event['detail-type'], 'data');
      return {
        key: insightKey('strategy', data.chosenStrategy),
        ref: data.workflowId,
        correlationId,
        execution: {
          ...base,
          ok,
          // Per step, so that workflows of different sizes compare; a failed run stopped early,
          // and its time says nothing about speed.
          latencyMs: ok ? data.durationMs / Math.max(1, data.steps) : null,
          costUsd: data.costUsd,
          quality: data.quality,
        },
      };
    }
    default:
      return null;
  }
}

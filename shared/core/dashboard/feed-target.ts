/**
 * What a feed subscription can follow besides event types: one task, or one thread. An event
 * belongs to the task its `data.taskId` names and to the thread its `data.threadId` names.
 */
import type { TraceOwner } from '../ports.js';

export type FeedTarget = TraceOwner;

/** `task:<id>` or `thread:<id>`: how a connection lists the targets it follows. */
export const targetKey = (target: FeedTarget): string => `${target.kind}:${target.id}`;

/** The task and the thread an event's data names, each at most once. */
export function targetsOf(data: Record<string, unknown>): FeedTarget[] {
  const targets: FeedTarget[] = [];
  if (typeof data.taskId === 'string' && data.taskId) {
    targets.push({ kind: 'task', id: data.taskId });
  }
  if (typeof data.threadId === 'string' && data.threadId) {
    targets.push({ kind: 'thread', id: data.threadId });
  }
  return targets;
}

/** The field that names a target in frames and client messages. */
export const targetField = (target: FeedTarget): 'taskId' | 'threadId' =>
  target.kind === 'task' ? 'taskId' : 'threadId';

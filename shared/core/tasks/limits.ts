/**
 * Limits of a task that the domain enforces (request schemas, the worker's lease) and the
 * deployment is sized by: the topology derives the task worker's timeout margin and the task
 * queues' redrive count from them.
 */

/** Upper bound of a task's `timeoutMs`, leaving the worker (300 s) time to record the outcome. */
export const MAX_TASK_TIMEOUT_MS = 240_000;
/** Upper bound of a task's `maxAttempts`; poison messages are dead-lettered by SQS beyond it. */
export const MAX_TASK_ATTEMPTS = 10;

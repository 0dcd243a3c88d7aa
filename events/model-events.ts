/** Events of the models layer: every model call, and every fallback to another target. */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.models';
/** A thread's turn names its thread, so that the thread's subscribers and replay find it. */
const taskRef = { taskId: z.string(), agentId: z.string(), threadId: z.string().optional() };

export const modelInvoked = defineEvent(
  'model.invoked',
  SOURCE,
  z.object({
    ...taskRef,
    model: z.string(),
    ok: z.boolean(),
    latencyMs: z.number(),
    inputTokens: z.number(),
    outputTokens: z.number(),
    costUsd: z.number(),
    error: z.string().optional(),
  }),
);

export const modelFallback = defineEvent(
  'model.fallback',
  SOURCE,
  z.object({ ...taskRef, route: z.string(), from: z.string(), to: z.string(), reason: z.string() }),
);

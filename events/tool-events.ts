/** Events of the tools layer: tool calls that ran, and calls refused for want of permission. */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.tools';
/** A thread's turn names its thread, so that the thread's subscribers and replay find it. */
const taskRef = { taskId: z.string(), agentId: z.string(), threadId: z.string().optional() };

export const toolInvoked = defineEvent(
  'tool.invoked',
  SOURCE,
  z.object({ ...taskRef, tool: z.string(), ok: z.boolean(), durationMs: z.number() }),
);

export const toolDenied = defineEvent(
  'tool.denied',
  SOURCE,
  z.object({ ...taskRef, tool: z.string(), reason: z.string() }),
);

/** Events of the agent registry (kernel layer). */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.kernel';
const agentRef = { agentId: z.string() };

export const agentRegistered = defineEvent(
  'agent.registered',
  SOURCE,
  z.object({ ...agentRef, name: z.string(), tags: z.array(z.string()) }),
);
export const agentUpdated = defineEvent(
  'agent.updated',
  SOURCE,
  z.object({ ...agentRef, fields: z.array(z.string()) }),
);
export const agentPaused = defineEvent('agent.paused', SOURCE, z.object(agentRef));
export const agentResumed = defineEvent('agent.resumed', SOURCE, z.object(agentRef));
export const agentRetired = defineEvent('agent.retired', SOURCE, z.object(agentRef));

/** Events of the security layer: refused requests, and the lifecycle of API keys. */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.security';

export const securityDenied = defineEvent(
  'security.denied',
  SOURCE,
  z.object({
    /** Who asked: `admin`, `agent:<id>`. */
    principal: z.string(),
    /** What they asked, e.g. `GET /v1/tasks/{id}` or `tool:fs.write`. */
    action: z.string(),
    /** What it was about, e.g. `agent:reviewer`, `task:01J…`. */
    resource: z.string(),
    reason: z.string(),
  }),
);

export const keyCreated = defineEvent(
  'security.key-created',
  SOURCE,
  z.object({ keyId: z.string(), scope: z.string(), by: z.string() }),
);

export const keyRevoked = defineEvent(
  'security.key-revoked',
  SOURCE,
  z.object({ keyId: z.string(), scope: z.string(), by: z.string() }),
);

/**
 * Who may do what. The admin key may do everything; an `agent:<id>` key acts as that agent: its
 * own tasks, memories and inbox, and what was shared with it. A refusal is a 403 and a
 * `security.denied` event (which the event sink keeps in the audit log).
 */
import { securityDenied } from '../../../events/security-events.js';
import { ForbiddenError } from '../errors.js';
import { createEvent } from '../events.js';
import type { Clock, EventPublisher } from '../ports.js';
import type { Principal } from './principal.js';

export interface Caller {
  principal: Principal;
  /** The route or operation, e.g. `GET /v1/tasks/{id}`. */
  action: string;
  correlationId: string;
}

export class Authorization {
  constructor(
    private readonly events: EventPublisher,
    private readonly clock: Clock,
  ) {}

  /** Only the admin key. */
  async requireAdmin(caller: Caller, resource: string): Promise<void> {
    if (caller.principal.kind === 'admin') return;
    await this.deny(caller, resource, 'only the admin key may do this');
  }

  /** The admin key, or the key of this very agent. */
  async requireAgent(
    caller: Caller,
    agentId: string,
    resource = `agent:${agentId}`,
  ): Promise<void> {
    if (actsAs(caller.principal, agentId)) return;
    await this.deny(caller, resource, `this key does not act as agent '${agentId}'`);
  }

  /**
   * The agent a listing is limited to: an agent key lists its own agent's, whether or not it
   * says so (naming another is refused, audited); any other key, what it asked for.
   */
  async listedAgent(caller: Caller, agentId: string | undefined): Promise<string | undefined> {
    const { principal } = caller;
    if (principal.kind !== 'agent') return agentId;
    if (agentId && agentId !== principal.agentId) await this.requireAgent(caller, agentId);
    return principal.agentId;
  }

  /** Refuses: publishes `security.denied`, then throws a 403. */
  async deny(caller: Caller, resource: string, reason: string): Promise<never> {
    await this.events.publish([
      createEvent(
        securityDenied,
        { principal: caller.principal.id, action: caller.action, resource, reason },
        { correlationId: caller.correlationId, clock: this.clock },
      ),
    ]);
    throw new ForbiddenError(`forbidden: ${reason}`);
  }
}

/** Whether a principal may act as the agent (the admin may act as any). */
export const actsAs = (principal: Principal, agentId: string): boolean =>
  principal.kind === 'admin' || (principal.kind === 'agent' && principal.agentId === agentId);

/** The caller as events name it (the `actor` of the events it causes, for the audit log). */
export const actorOfCaller = (caller: Caller): { principal: string; keyId?: string } => ({
  principal: caller.principal.id,
  ...('keyId' in caller.principal && caller.principal.keyId
    ? { keyId: caller.principal.keyId }
    : {}),
});

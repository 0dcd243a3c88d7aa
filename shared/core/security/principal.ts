/**
 * Who is calling, as the API authorizer labelled the request. The authorizer puts plain strings
 * in the request context (API Gateway allows nothing richer); handlers read them back here.
 */
export type Principal =
  | { kind: 'admin'; id: 'admin'; keyId?: string }
  | { kind: 'agent'; id: string; agentId: string; keyId?: string }
  | { kind: 'anonymous'; id: 'anonymous'; reason: string };

export interface AuthorizerContext {
  /** `admin`, `agent:<id>`, or empty when the request carries no valid key. */
  principal?: string;
  /** Why the request is anonymous (never the key itself). */
  reason?: string;
  /** The id of the key used, for audit. */
  keyId?: string;
}

export function principalFromContext(context: AuthorizerContext | undefined): Principal {
  const principal = context?.principal ?? '';
  const keyId = context?.keyId ? { keyId: context.keyId } : {};
  if (principal === 'admin') return { kind: 'admin', id: 'admin', ...keyId };
  if (principal.startsWith('agent:')) {
    return { kind: 'agent', id: principal, agentId: principal.slice('agent:'.length), ...keyId };
  }
  return { kind: 'anonymous', id: 'anonymous', reason: context?.reason ?? 'missing API key' };
}

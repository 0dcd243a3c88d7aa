/** API keys: parsing the Authorization header and checking a key in constant time by its hash. */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface AdminKeySource {
  /** SHA-256 of the admin API key. */
  adminKeyHash(): Promise<Buffer>;
}

export type Authentication =
  | { authenticated: true; principal: 'admin'; keyId: 'admin' }
  | { authenticated: false; reason: string };

export const hashKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export async function authenticate(
  authorizationHeader: string | undefined,
  keys: AdminKeySource,
): Promise<Authentication> {
  const token = bearerToken(authorizationHeader);
  if (!token) {
    return {
      authenticated: false,
      reason: authorizationHeader
        ? 'Authorization header is not "Bearer <key>"'
        : 'missing API key',
    };
  }
  if (token.length > 512) return { authenticated: false, reason: 'invalid API key' };
  // Comparing hashes keeps the comparison constant-time whatever the presented key's length.
  if (timingSafeEqual(hashKey(token), await keys.adminKeyHash())) {
    return { authenticated: true, principal: 'admin', keyId: 'admin' };
  }
  return { authenticated: false, reason: 'invalid API key' };
}

/** The HTTP contract of API keys (handler: keys-api.ts). */
import * as z from 'zod';
import { mintSchema } from '../../shared/core/security/api-key-service.js';
import {
  defineRoutes,
  isoTime,
  nullableTime,
  pageOf,
  pathId,
} from '../../shared/runtime/http-contract.js';

const keyFields = {
  keyId: z.string(),
  scope: z.string().meta({ description: '`agent:<id>`: the key acts as that agent.' }),
  hint: z.string().meta({ description: 'The last four characters of the key.' }),
  createdAt: isoTime,
  createdBy: z.string(),
  revokedAt: nullableTime,
};

export const apiKeySchema = z.object(keyFields).meta({ id: 'ApiKey' });

export const keyRoutes = defineRoutes({
  mint: {
    method: 'POST',
    path: '/v1/keys',
    operationId: 'createKey',
    summary: 'Mint an agent-scoped key',
    description: 'The key is in this answer only; it is stored as a hash.',
    tag: 'keys',
    access: 'admin',
    body: mintSchema.meta({ id: 'KeyRequest' }),
    bodyName: 'API key',
    responses: {
      201: {
        description: 'The key, shown this once.',
        schema: z
          .object({ ...keyFields, key: z.string().meta({ description: 'The secret.' }) })
          .meta({ id: 'MintedApiKey' }),
      },
    },
    errors: [404],
    example: { scope: 'agent:calculator' },
  },
  list: {
    method: 'GET',
    path: '/v1/keys',
    operationId: 'listKeys',
    summary: 'List keys, without their secrets',
    tag: 'keys',
    access: 'admin',
    paginated: true,
    responses: { 200: { description: 'A page of keys.', schema: pageOf(apiKeySchema) } },
  },
  revoke: {
    method: 'DELETE',
    path: '/v1/keys/{id}',
    operationId: 'revokeKey',
    summary: 'Revoke a key',
    description: 'Within 10 s every request with it is refused. Revoking twice changes nothing.',
    tag: 'keys',
    access: 'admin',
    params: z.object({ id: pathId('The key id (`keyId`).') }),
    responses: { 200: { description: 'The revoked key.', schema: apiKeySchema } },
  },
});

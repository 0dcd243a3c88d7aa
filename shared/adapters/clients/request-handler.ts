/** One keep-alive HTTP handler shared by every AWS SDK client of the process. */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { once } from '../../core/once.js';
import { resourceCredentials } from './resource-credentials.js';

const keepAliveHandler = /* @__PURE__ */ once(
  () =>
    new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
      connectionTimeout: 5000,
      requestTimeout: 30_000,
    }),
);

/** Keep-alive connections: a new TCP (and TLS) handshake per call would dominate small requests. */
export function sharedClientConfig() {
  return { requestHandler: keepAliveHandler(), maxAttempts: 3 };
}

/**
 * The configuration of the clients of the stack's own services: the shared one, signed with the
 * local runtime's credentials when it serves them (resource-credentials.ts), else by the default
 * chain. Bedrock is not one of them and uses sharedClientConfig().
 */
export function resourceClientConfig() {
  const credentials = resourceCredentials();
  return credentials ? { ...sharedClientConfig(), credentials } : sharedClientConfig();
}

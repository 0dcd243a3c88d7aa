/** One keep-alive HTTP handler shared by every AWS SDK client of the process. */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { once } from '../../core/once.js';

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

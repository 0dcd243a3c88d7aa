/** One keep-alive HTTP handler shared by every AWS SDK client of the process. */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';

let handler: NodeHttpHandler | undefined;

/** Keep-alive connections: a new TCP (and TLS) handshake per call would dominate small requests. */
export function sharedClientConfig() {
  handler ??= new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
    connectionTimeout: 5000,
    requestTimeout: 30_000,
  });
  return { requestHandler: handler, maxAttempts: 3 };
}

/**
 * The embedded AWS protocol servers: dynalite (DynamoDB, on disk) and fauxqs (SQS, in memory),
 * each answering only requests signed with the given credentials (signed-requests.ts). Run as a
 * child process of the local runtime so that the handlers keep a core of their own; as a module,
 * tests start them in-process.
 */
import { mkdirSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import {
  type ResourceCredentials,
  resourceCredentials,
} from '../shared/adapters/clients/resource-credentials.js';
import {
  readBody,
  refusalResponse,
  SignatureVerifier,
  verifiedListener,
} from './signed-requests.js';

export interface Emulators {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** The only credentials whose signatures are answered. */
  credentials: ResourceCredentials;
  /** Where DynamoDB data persists; in memory without. */
  dataDir?: string;
}

/** dynalite's own request limit; fauxqs's is its bodyLimit. */
const DYNAMO_MAX_BODY_BYTES = 16 * 1024 * 1024;
const SQS_MAX_BODY_BYTES = 11 * 1024 * 1024;

/** Starts both servers on loopback ports. */
export async function startEmulators({
  credentials,
  dataDir,
}: EmulatorOptions): Promise<Emulators> {
  const verifier = new SignatureVerifier(credentials);
  let dynamoPath: string | undefined;
  if (dataDir) {
    dynamoPath = join(dataDir, 'dynamodb');
    mkdirSync(dynamoPath, { recursive: true });
  }
  const dynamo: Server = dynalite({
    ...(dynamoPath ? { path: dynamoPath } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  // dynalite's server (whose close() also closes its store) keeps listening; its handler runs
  // behind the signature check, on a replay of the verified request.
  const [dynamoHandler] = dynamo.listeners('request') as RequestListener[];
  if (!dynamoHandler) throw new Error('dynalite created a server without a request handler');
  dynamo.removeAllListeners('request');
  dynamo.on('request', verifiedListener(verifier, dynamoHandler, DYNAMO_MAX_BODY_BYTES));
  await listen(dynamo);
  // fauxqs's own start listens on every interface; built this way it stays on loopback, and
  // queue URLs name the host the client used.
  const sqs = buildApp({ logger: false });
  // Before Fastify parses anything, for every route (its queue inspection pages included): the
  // raw body is verified, and handed on to the parser unchanged.
  sqs.addHook('preParsing', async (request, reply, payload) => {
    const body = await readBody(payload, SQS_MAX_BODY_BYTES);
    if (body === undefined) {
      reply.code(413).send();
      return payload;
    }
    const refused = await verifier.verify({
      method: request.raw.method ?? 'GET',
      // What the client sent and signed, before Fastify's URL rewriting for S3 hosts.
      url: request.originalUrl,
      headers: request.headers,
      body,
    });
    if (refused) {
      const answer = refusalResponse(refused, request.headers['content-type']);
      // As bytes: Fastify would add a charset to the protocol's content type for a string.
      reply.code(answer.status).headers(answer.headers).send(Buffer.from(answer.body));
      return payload;
    }
    return Object.assign(new PassThrough().end(body), { receivedEncodedLength: body.length });
  });
  const sqsEndpoint = await sqs.listen({ port: 0, host: '127.0.0.1' });
  return {
    dynamoEndpoint: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
    sqsEndpoint,
    stop: async () => {
      await sqs.close();
      dynamo.closeAllConnections();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}

/** dynalite opens its LevelDB store lazily; a store still locked by a dead process is retried. */
function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

export type EmulatorMessage =
  | { type: 'ready'; dynamoEndpoint: string; sqsEndpoint: string }
  | { type: 'failed'; message: string };

// As a child process: report the endpoints, stop on request or when the parent goes away. The
// credentials come in the environment the runtime gave it, as they do to its own clients.
if (process.send && process.argv.includes('--child')) {
  const dataDir = process.argv[process.argv.indexOf('--child') + 1];
  const send = (message: EmulatorMessage) => process.send?.(message);
  const credentials = resourceCredentials();
  (credentials
    ? startEmulators({ credentials, dataDir })
    : Promise.reject(new Error('the runtime gave no credentials to sign with'))
  )
    .then((emulators) => {
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        emulators.stop().finally(() => process.exit(0));
      };
      // Ctrl-C, or a SIGTERM to the process group, reaches us too: the runtime decides when we
      // stop (after its handlers' last writes), and we stop anyway if it goes away.
      process.on('SIGINT', () => undefined);
      process.on('SIGTERM', () => undefined);
      process.on('message', (message) => {
        if (message === 'stop') stop();
      });
      process.on('disconnect', stop);
      send({
        type: 'ready',
        dynamoEndpoint: emulators.dynamoEndpoint,
        sqsEndpoint: emulators.sqsEndpoint,
      });
    })
    .catch((error: Error) => {
      send({ type: 'failed', message: error.message });
      process.exit(1);
    });
}

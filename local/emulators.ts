/**
 * The embedded AWS protocol servers: dynalite (DynamoDB, on disk) and fauxqs (SQS, in memory).
 * Run as a child process of the local runtime so that the handlers keep a core of their own; as
 * a module, tests start them in-process.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { buildApp } from 'fauxqs';
import { costMeterEnabled } from './cost-meter.js';
import { reportIndexCapacity } from './dynalite-capacity.js';

export interface Emulators {
  dynamoEndpoint: string;
  sqsEndpoint: string;
  stop(): Promise<void>;
}

/** Starts both servers on loopback ports; with `dataDir`, DynamoDB data persists there. */
export async function startEmulators(dataDir?: string): Promise<Emulators> {
  let dynamoPath: string | undefined;
  if (dataDir) {
    dynamoPath = join(dataDir, 'dynamodb');
    mkdirSync(dynamoPath, { recursive: true });
  }
  // `npm run cost` counts index writes and failed conditional writes too (local/cost-meter.ts).
  if (costMeterEnabled()) reportIndexCapacity();
  const dynamo: Server = dynalite({
    ...(dynamoPath ? { path: dynamoPath } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await listen(dynamo);
  // fauxqs's own start listens on every interface; built this way it stays on loopback, and
  // queue URLs name the host the client used.
  const sqs = buildApp({ logger: false });
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

// As a child process: report the endpoints, stop on request or when the parent goes away.
if (process.send && process.argv.includes('--child')) {
  const dataDir = process.argv[process.argv.indexOf('--child') + 1];
  const send = (message: EmulatorMessage) => process.send?.(message);
  startEmulators(dataDir)
    .then((emulators) => {
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        emulators.stop().finally(() => process.exit(0));
      };
      // Ctrl-C reaches the whole process group: the parent decides when we stop.
      process.on('SIGINT', () => undefined);
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

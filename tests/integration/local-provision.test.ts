/**
 * The local runtime's table, created on a real DynamoDB protocol server: usable as soon as
 * provisionTable returns, even when the server takes its time to make a new table ACTIVE (as
 * dynalite does, in a write after it has answered CreateTable, late on a busy machine).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topology } from '../../infra/topology.js';
import { provisionTable } from '../../local/provision.js';

let server: Server;
let client: DynamoDBClient;

beforeAll(async () => {
  // A slow server: 300 ms from CreateTable to ACTIVE.
  server = dynalite({ createTableMs: 300 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});

afterAll(async () => {
  client.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('provisionTable', () => {
  it('returns once the table is ACTIVE, so that the first write finds it', async () => {
    // Act
    await provisionTable(client, 'agent-core-provision', topology);
    const put = client.send(
      new PutItemCommand({
        TableName: 'agent-core-provision',
        Item: { pk: { S: 'AGENT#a' }, sk: { S: 'AGENT' } },
      }),
    );

    // Assess
    await expect(put).resolves.toBeDefined();
    const { Table } = await client.send(
      new DescribeTableCommand({ TableName: 'agent-core-provision' }),
    );
    expect(Table?.TableStatus).toBe('ACTIVE');
  });

  it('leaves a table that exists as it is', async () => {
    // Act
    await provisionTable(client, 'agent-core-provision', topology);

    // Assess
    const { Table } = await client.send(
      new DescribeTableCommand({ TableName: 'agent-core-provision' }),
    );
    expect(Table?.TableStatus).toBe('ACTIVE');
  });
});

/**
 * Memories in the single table, in three kinds of item:
 *
 *   memory      pk MEMORY#<owner>             sk M#<namespace>#<id>   text, metadata, times
 *   vector      pk MEMVEC#<owner>#<namespace> sk <embedder>#<id>      v: int8 bytes, s: scale
 *   namespace   pk MEMNS#<owner>              sk <namespace>          version
 *
 * Vector searches read only vector items: a few hundred bytes each (256 int8 dimensions, short
 * attribute names), in a partition per namespace, sorted by embedder so that a query reads only
 * the vectors it can compare with, newest first. Texts are read for the best few only. Lexical
 * search has no vectors: it reads the namespace's memory items (their ids, texts and expiry).
 *
 * A namespace's version is incremented after every write and delete in it: caches of its
 * vectors compare it (one read) instead of reading the vectors again. Expiring memories carry
 * `ttl` (epoch seconds, rounded up) for DynamoDB's TTL process, and are filtered out on every
 * read, since that process deletes them late or, locally, never.
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../core/errors.js';
import type { LexicalDocument } from '../core/memory/lexical-search.js';
import type { Memory, StoredMemory } from '../core/memory/memory.js';
import type { MemoryRef, MemoryStore, NamespaceRef, NamespaceState } from '../core/memory/ports.js';
import { fromBytes, toBytes } from '../core/memory/quantise.js';
import { type VectorBlock, VectorBlockBuilder } from '../core/memory/vector-search.js';
import type { Page, PageRequest } from '../core/ports.js';
import { batchPutAll } from './dynamo-batch-write.js';
import { decodeCursor, isConditionFailure, queryAll, queryPage } from './dynamo-pages.js';

type Item = Record<string, unknown>;

const memoryKey = (owner: string, namespace: string, id: string) => ({
  pk: `MEMORY#${owner}`,
  sk: `M#${namespace}#${id}`,
});
const vectorPk = (owner: string, namespace: string) => `MEMVEC#${owner}#${namespace}`;
const vectorKey = (owner: string, namespace: string, embedderId: string, id: string) => ({
  pk: vectorPk(owner, namespace),
  sk: `${embedderId}#${id}`,
});
const namespaceKey = (owner: string, namespace: string) => ({
  pk: `MEMNS#${owner}`,
  sk: namespace,
});

/** DynamoDB TTL: epoch seconds, rounded up so that it never deletes before `expiresAt`. */
const ttlOf = (expiresAt: string | null): number | undefined =>
  expiresAt === null ? undefined : Math.ceil(new Date(expiresAt).getTime() / 1000);

function toMemory(item: Item): Memory {
  return {
    id: item.id as string,
    agentId: item.agentId as string,
    namespace: item.namespace as string,
    text: item.text as string,
    metadata: JSON.parse(item.metadataJson as string),
    createdBy: item.createdBy as string,
    createdAt: item.createdAt as string,
    expiresAt: (item.expiresAt as string | undefined) ?? null,
    embeddingModel: item.embeddingModel as string,
  };
}

export class DynamoMemoryStore implements MemoryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(memories: StoredMemory[]): Promise<void> {
    const items: Item[] = [];
    for (const memory of memories) {
      const ttl = ttlOf(memory.expiresAt);
      const { vector, scale, metadata, expiresAt, ...fields } = memory;
      items.push({
        ...memoryKey(memory.agentId, memory.namespace, memory.id),
        type: 'memory',
        ...fields,
        metadataJson: JSON.stringify(metadata),
        ...(expiresAt !== null ? { expiresAt, ttl } : {}),
      });
      if (vector) {
        items.push({
          ...vectorKey(memory.agentId, memory.namespace, memory.embeddingModel, memory.id),
          v: toBytes(vector),
          s: scale,
          ...(ttl !== undefined ? { ttl } : {}),
        });
      }
    }
    try {
      await batchPutAll(this.client, this.tableName, items);
      const namespaces = new Map<string, NamespaceRef>();
      for (const m of memories) {
        namespaces.set(`${m.agentId}/${m.namespace}`, { owner: m.agentId, namespace: m.namespace });
      }
      await Promise.all([...namespaces.values()].map((ref) => this.bumpVersion(ref)));
    } catch (error) {
      // Nothing half-written: a memory without its vector (or the reverse) would be a memory
      // that lists but is never found, or a vector without text.
      await this.deleteKeys(items.map((item) => ({ pk: item.pk, sk: item.sk }))).catch(
        () => undefined,
      );
      throw error;
    }
  }

  async find(owner: string, memoryId: string): Promise<Memory | undefined> {
    const namespaces = await this.namespaces(owner);
    const items = await this.batchGet(
      namespaces.map(({ namespace }) => memoryKey(owner, namespace, memoryId)),
    );
    const item = items[0];
    return item ? toMemory(item) : undefined;
  }

  async delete(
    memory: Pick<Memory, 'agentId' | 'namespace' | 'id' | 'embeddingModel'>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: memoryKey(memory.agentId, memory.namespace, memory.id),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: vectorKey(memory.agentId, memory.namespace, memory.embeddingModel, memory.id),
      }),
    );
    await this.bumpVersion({ owner: memory.agentId, namespace: memory.namespace });
    return true;
  }

  list(
    owner: string,
    request: PageRequest & { namespace?: string | undefined; now: Date },
  ): Promise<Page<Memory>> {
    const pk = `MEMORY#${owner}`;
    const prefix = request.namespace === undefined ? 'M#' : `M#${request.namespace}#`;
    const cursorOptions = { keyNames: ['pk', 'sk'], partition: ['pk', pk] as [string, string] };
    // A cursor of another namespace's listing would point outside this query's range.
    const start = decodeCursor(request.cursor, cursorOptions);
    if (start && !start.sk?.startsWith(prefix)) {
      throw new ValidationError('invalid cursor', [
        { path: 'cursor', message: 'not a cursor returned by this listing' },
      ]);
    }
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: 'attribute_not_exists(expiresAt) OR expiresAt > :now',
        ExpressionAttributeValues: {
          ':pk': pk,
          ':prefix': prefix,
          ':now': request.now.toISOString(),
        },
        ConsistentRead: true,
        ScanIndexForward: false,
      },
      { limit: request.limit, cursor: request.cursor, ...cursorOptions, map: toMemory },
    );
  }

  async namespaces(owner: string): Promise<NamespaceState[]> {
    const states: NamespaceState[] = [];
    let startKey: Item | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `MEMNS#${owner}` },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        states.push({ owner, namespace: item.sk as string, version: item.version as number });
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return states;
  }

  async versions(refs: NamespaceRef[]): Promise<NamespaceState[]> {
    const items = await this.batchGet(refs.map((ref) => namespaceKey(ref.owner, ref.namespace)));
    return items.map((item) => ({
      owner: (item.pk as string).slice('MEMNS#'.length),
      namespace: item.sk as string,
      version: item.version as number,
    }));
  }

  async readVectors(
    ref: NamespaceRef,
    embedderId: string,
    dimensions: number,
    max: number,
  ): Promise<VectorBlock> {
    const builder = new VectorBlockBuilder(dimensions, Math.min(Math.max(max, 1), 1024));
    const prefix = `${embedderId}#`;
    const complete = await this.readNewest(
      {
        pk: vectorPk(ref.owner, ref.namespace),
        prefix,
        projection: 'sk, v, #ttl',
        names: { '#ttl': 'ttl' },
      },
      max,
      (item) => {
        const ttl = item.ttl as number | undefined;
        builder.add(
          (item.sk as string).slice(prefix.length),
          fromBytes(item.v as Uint8Array),
          ttl === undefined ? 0 : ttl * 1000,
        );
      },
    );
    return builder.build(complete);
  }

  async readTexts(
    ref: NamespaceRef,
    max: number,
  ): Promise<{ documents: LexicalDocument[]; complete: boolean }> {
    const documents: LexicalDocument[] = [];
    const complete = await this.readNewest(
      {
        pk: `MEMORY#${ref.owner}`,
        prefix: `M#${ref.namespace}#`,
        projection: 'id, #text, expiresAt',
        names: { '#text': 'text' },
      },
      max,
      (item) => {
        const expiresAt = item.expiresAt as string | undefined;
        documents.push({
          id: item.id as string,
          text: item.text as string,
          expiresAtMs: expiresAt === undefined ? 0 : new Date(expiresAt).getTime(),
        });
      },
    );
    return { documents, complete };
  }

  /**
   * Hands the newest `max` items of a key range to `add`, newest first; true when that was all
   * of them.
   */
  private async readNewest(
    range: { pk: string; prefix: string; projection: string; names: Record<string, string> },
    max: number,
    add: (item: Item) => void,
  ): Promise<boolean> {
    // One more than needed: it tells a namespace of exactly `max` from a larger one.
    const items = await queryAll(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix },
        ProjectionExpression: range.projection,
        ExpressionAttributeNames: range.names,
        ConsistentRead: true,
        ScanIndexForward: false,
      },
      max + 1,
    );
    for (const item of items.slice(0, max)) add(item);
    return items.length <= max;
  }

  async getMany(refs: MemoryRef[]): Promise<Map<string, Memory>> {
    const items = await this.batchGet(
      refs.map((ref) => memoryKey(ref.owner, ref.namespace, ref.id)),
    );
    return new Map(items.map((item) => [item.id as string, toMemory(item)]));
  }

  private async bumpVersion(ref: NamespaceRef): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: namespaceKey(ref.owner, ref.namespace),
        UpdateExpression: 'ADD version :one SET #type = :type, updatedAt = :now',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':type': 'memory-namespace',
          ':now': new Date().toISOString(),
        },
      }),
    );
  }

  /** Consistent BatchGetItem, 100 keys a call, retrying unprocessed keys; missing keys are left out. */
  private async batchGet(keys: Item[]): Promise<Item[]> {
    const found: Item[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Item[] | undefined = keys.slice(i, i + 100);
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt > 5)
          throw new Error(`${pending.length} key(s) stayed unprocessed after retries`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        found.push(...(result.Responses?.[this.tableName] ?? []));
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined;
      }
    }
    return found;
  }

  private async deleteKeys(keys: Item[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 25) {
      let requests: Item[] | undefined = keys
        .slice(i, i + 25)
        .map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; requests?.length && attempt < 5; attempt++) {
        const result = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests as never } }),
        );
        requests = result.UnprocessedItems?.[this.tableName] as Item[] | undefined;
      }
    }
  }
}

/**
 * Threads in the single table, each in one item collection:
 *
 *   thread     pk THREAD#<id>  sk THREAD          what the thread is (written once)
 *   (the thread's trace, EVENT#…, and its followers, SUB#…, live in the same partition)
 *     gsi1     THREADS                  <id>      all threads, newest first
 *     gsi2     AGENT#<agent>#THREADS    <id>      an agent's threads
 *   state      pk THREAD#<id>  sk STATE           the turn lock and counters (in no index, so
 *                                                 the writes of every turn cost no index write)
 *   message    pk THREAD#<id>  sk MSG#<msgId>     one item per message, in no index; a turn
 *                                                 reads the newest ones by key range
 *   waiting    pk THREAD#<id>  sk WAIT#<msgId>    a question waiting for its turn
 *
 * Contents are stored as JSON strings so that any JSON value round-trips exactly. Messages of a
 * thread with `ttlSeconds` carry `ttl`; DynamoDB deletes them some time after, and reads leave
 * out those past it meanwhile (locally nothing expires by itself).
 */
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { NotFoundError, TransitionConflictError } from '../core/errors.js';
import type { Page, PageRequest } from '../core/ports.js';
import { emptyUsage, type TaskUsage } from '../core/tasks/task.js';
import type {
  TaskConversationStore,
  ThreadCounts,
  ThreadStore,
  WaitingTurn,
} from '../core/threads/ports.js';
import type { StoredMessage, Thread, ThreadRecord, ThreadTurn } from '../core/threads/thread.js';
import { batchDeleteAll, batchPutAll } from './dynamo-batch-write.js';
import { decodeCursor, encodeCursor, isConditionFailure, queryPage } from './dynamo-pages.js';

type Item = Record<string, NativeAttributeValue>;

const pkOf = (id: string) => `THREAD#${id}`;
const headKey = (id: string) => ({ pk: pkOf(id), sk: 'THREAD' });
const stateKey = (id: string) => ({ pk: pkOf(id), sk: 'STATE' });
const MSG = 'MSG#';
const WAIT = 'WAIT#';
const USAGE_FIELDS = ['modelCalls', 'toolCalls', 'inputTokens', 'outputTokens', 'costUsd'] as const;

const notExpired = (now: Date) => ({
  FilterExpression: 'attribute_not_exists(#ttl) OR #ttl > :now',
  names: { '#ttl': 'ttl' },
  values: { ':now': Math.floor(now.getTime() / 1000) },
});

export function messageItem(pk: string, sk: string, message: StoredMessage, ttl?: number): Item {
  const { content, toolCalls, ...rest } = message;
  return {
    pk,
    sk,
    type: 'message',
    ...rest,
    contentJson: JSON.stringify(content),
    ...(toolCalls ? { toolCallsJson: JSON.stringify(toolCalls) } : {}),
    ...(ttl ? { ttl } : {}),
  };
}

export function toMessage(item: Item): StoredMessage {
  return {
    id: item.id,
    role: item.role,
    content: JSON.parse(item.contentJson),
    taskId: item.taskId ?? null,
    createdAt: item.createdAt,
    ...(item.toolCallsJson ? { toolCalls: JSON.parse(item.toolCallsJson) } : {}),
    ...(item.toolCallId !== undefined ? { toolCallId: item.toolCallId } : {}),
    ...(item.name !== undefined ? { name: item.name } : {}),
    ...(item.isError !== undefined ? { isError: item.isError } : {}),
    tokens: item.tokens ?? 0,
  };
}

function toThread(head: Item, state: Item | undefined): Thread {
  return {
    id: head.id,
    agentId: head.agentId,
    status: state?.holder ? 'busy' : 'idle',
    messageCount: state?.messageCount ?? 0,
    usage: state?.usage ?? emptyUsage(),
    createdAt: head.createdAt,
    lastMessageAt: state?.lastMessageAt ?? null,
    metadata: JSON.parse(head.metadataJson ?? '{}'),
    ttlSeconds: head.ttlSeconds ?? 0,
  };
}

const turnOf = (state: Item | undefined): ThreadTurn => ({
  taskId: state?.holder ?? null,
  ordinal: state?.ordinal ?? 0,
});

/** The SET clauses that add `counts` to a state item. */
function countClauses(counts: ThreadCounts, values: Item, names: Item): string[] {
  values[':m'] = counts.messages;
  values[':s'] = counts.settled;
  const sets = ['messageCount = messageCount + :m', 'settled = settled + :s'];
  if (counts.at) {
    values[':at'] = counts.at;
    sets.push('lastMessageAt = :at');
  }
  if (counts.usage) {
    names['#u'] = 'usage';
    USAGE_FIELDS.forEach((field, i) => {
      names[`#u${i}`] = field;
      values[`:u${i}`] = (counts.usage as TaskUsage)[field];
      sets.push(`#u.#u${i} = #u.#u${i} + :u${i}`);
    });
  }
  return sets;
}

export class DynamoThreadStore implements ThreadStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(thread: Thread): Promise<void> {
    await batchPutAll(this.client, this.tableName, [
      {
        ...headKey(thread.id),
        type: 'thread',
        gsi1pk: 'THREADS',
        gsi1sk: thread.id,
        gsi2pk: `AGENT#${thread.agentId}#THREADS`,
        gsi2sk: thread.id,
        id: thread.id,
        agentId: thread.agentId,
        createdAt: thread.createdAt,
        metadataJson: JSON.stringify(thread.metadata),
        ttlSeconds: thread.ttlSeconds,
      },
      {
        ...stateKey(thread.id),
        type: 'thread-state',
        messageCount: 0,
        settled: 0,
        ordinal: 0,
        usage: emptyUsage(),
      },
    ]);
  }

  async get(id: string): Promise<ThreadRecord | undefined> {
    // Two exact keys: the partition also holds messages, waiting turns and the thread's trace.
    const result = await this.client.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: { Keys: [headKey(id), stateKey(id)], ConsistentRead: true },
        },
      }),
    );
    let items = result.Responses?.[this.tableName] ?? [];
    const unprocessed = result.UnprocessedKeys?.[this.tableName]?.Keys;
    if (unprocessed?.length) {
      const again = await this.client.send(
        new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: unprocessed, ConsistentRead: true } },
        }),
      );
      items = [...items, ...(again.Responses?.[this.tableName] ?? [])];
    }
    const head = items.find((item) => item.sk === 'THREAD');
    if (!head) return undefined;
    const state = items.find((item) => item.sk === 'STATE');
    return { thread: toThread(head, state), turn: turnOf(state) };
  }

  async list(filter: PageRequest & { agentId?: string | undefined }): Promise<Page<Thread>> {
    const index = filter.agentId ? 'gsi2' : 'gsi1';
    const partition = filter.agentId ? `AGENT#${filter.agentId}#THREADS` : 'THREADS';
    const page = await queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: `${index}pk = :pk`,
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
      },
      {
        limit: filter.limit,
        cursor: filter.cursor,
        keyNames: [`${index}pk`, `${index}sk`, 'pk', 'sk'].sort(),
        partition: [`${index}pk`, partition],
        map: (item) => item,
      },
    );
    // The listing holds what never changes; the counters come from each thread's state item.
    const states = new Map<string, Item>();
    let keys: Item[] = page.items.map((head) => stateKey(head.id as string));
    for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
      const result = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
      );
      for (const item of result.Responses?.[this.tableName] ?? []) states.set(item.pk, item);
      keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
    }
    return {
      items: page.items.map((head) => toThread(head, states.get(pkOf(head.id as string)))),
      nextCursor: page.nextCursor,
    };
  }

  async remove(id: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: stateKey(id),
          ConditionExpression: 'attribute_not_exists(holder)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new TransitionConflictError(`thread '${id}' is busy`);
      throw error;
    }
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: headKey(id) }));
  }

  async lock(id: string, taskId: string, counts: ThreadCounts): Promise<ThreadTurn | undefined> {
    const state = await this.updateState(id, counts, {
      sets: ['holder = :t', 'ordinal = settled + :s'],
      values: { ':t': taskId },
      condition: 'attribute_exists(pk) AND attribute_not_exists(holder)',
    });
    return state ? turnOf(state) : undefined;
  }

  async unlock(id: string, taskId: string, counts: ThreadCounts): Promise<boolean> {
    const state = await this.updateState(id, counts, {
      remove: 'holder',
      values: { ':t': taskId },
      condition: 'holder = :t',
    });
    return state !== undefined;
  }

  async count(id: string, counts: ThreadCounts): Promise<ThreadTurn> {
    const state = await this.updateState(id, counts, { condition: 'attribute_exists(pk)' });
    if (!state) throw new NotFoundError(`thread '${id}' not found`);
    return turnOf(state);
  }

  /**
   * Adds `counts` to the state item with more changes, only if `condition` holds; answers the
   * state after, or undefined when the condition did not hold.
   */
  private async updateState(
    id: string,
    counts: ThreadCounts,
    change: { sets?: string[]; remove?: string; values?: Item; condition: string },
  ): Promise<Item | undefined> {
    const values: Item = { ...change.values };
    const names: Item = {};
    const sets = [...(change.sets ?? []), ...countClauses(counts, values, names)];
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(id),
          UpdateExpression: `SET ${sets.join(', ')}${change.remove ? ` REMOVE ${change.remove}` : ''}`,
          ConditionExpression: change.condition,
          ExpressionAttributeValues: values,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async addWaiting(id: string, turn: WaitingTurn): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: pkOf(id), sk: `${WAIT}${turn.messageId}`, type: 'thread-waiting', ...turn },
      }),
    );
  }

  async oldestWaiting(id: string): Promise<WaitingTurn | undefined> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :wait)',
        ExpressionAttributeValues: { ':pk': pkOf(id), ':wait': WAIT },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const item = result.Items?.[0];
    return item ? { messageId: item.messageId, taskId: item.taskId } : undefined;
  }

  async removeWaiting(id: string, messageId: string): Promise<boolean> {
    const result = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: pkOf(id), sk: `${WAIT}${messageId}` },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return result.Attributes !== undefined;
  }

  async putMessages(id: string, messages: StoredMessage[], ttlSeconds: number): Promise<void> {
    await batchPutAll(
      this.client,
      this.tableName,
      messages.map((message) =>
        messageItem(
          pkOf(id),
          `${MSG}${message.id}`,
          message,
          ttlSeconds > 0
            ? Math.floor(Date.parse(message.createdAt) / 1000) + ttlSeconds
            : undefined,
        ),
      ),
    );
  }

  async removeMessages(id: string, messageIds: string[]): Promise<void> {
    await batchDeleteAll(
      this.client,
      this.tableName,
      messageIds.map((messageId) => ({ pk: pkOf(id), sk: `${MSG}${messageId}` })),
    );
  }

  async listMessages(
    id: string,
    request: { after?: string | undefined; limit: number },
  ): Promise<Page<StoredMessage>> {
    const expiry = notExpired(this.now());
    const items: StoredMessage[] = [];
    // Fixed-length ids: `<after>~` sorts after `after` and before every later id.
    let lower = request.after ? `${MSG}${request.after}~` : MSG;
    let more = false;
    for (let page = 0; page < 10 && items.length < request.limit; page++) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          FilterExpression: expiry.FilterExpression,
          ExpressionAttributeNames: expiry.names,
          ExpressionAttributeValues: {
            ':pk': pkOf(id),
            ':lo': lower,
            ':hi': `${MSG}~`,
            ...expiry.values,
          },
          ConsistentRead: true,
          Limit: request.limit - items.length,
        }),
      );
      for (const item of result.Items ?? []) items.push(toMessage(item));
      const last = result.LastEvaluatedKey?.sk as string | undefined;
      more = last !== undefined;
      if (!last) break;
      lower = `${last}~`;
    }
    const lastId = items.at(-1)?.id;
    return { items, nextCursor: more && lastId ? lastId : null };
  }

  async newestMessages(
    id: string,
    range: { from?: string | undefined; to: string },
    page: PageRequest,
  ): Promise<Page<StoredMessage>> {
    const expiry = notExpired(this.now());
    const pk = pkOf(id);
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        // Bounded below too: the partition also holds the thread's trace (EVENT#…), which sorts
        // before its messages.
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        FilterExpression: expiry.FilterExpression,
        ExpressionAttributeNames: expiry.names,
        ExpressionAttributeValues: {
          ':pk': pk,
          ':lo': `${MSG}${range.from ?? ''}`,
          ':hi': `${MSG}${range.to}`,
          ...expiry.values,
        },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, {
          keyNames: ['pk', 'sk'],
          partition: ['pk', pk],
        }),
      }),
    );
    return {
      items: (result.Items ?? []).map(toMessage),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  async purge(id: string, limit: number): Promise<boolean> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pkOf(id) },
        ProjectionExpression: 'pk, sk',
        Limit: limit,
      }),
    );
    await batchDeleteAll(this.client, this.tableName, (result.Items ?? []) as Item[]);
    return result.LastEvaluatedKey !== undefined;
  }
}

/**
 * A plain task's own conversation while it waits for a decision:
 *   pk TASK#<id>  sk CONV#<position>  kept 30 days (a task waits at most 7)
 */
export class DynamoTaskConversationStore implements TaskConversationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(taskId: string, messages: StoredMessage[]): Promise<void> {
    const ttl = Math.floor(Date.now() / 1000) + 30 * 86_400;
    await batchPutAll(
      this.client,
      this.tableName,
      messages.map((message) => messageItem(`TASK#${taskId}`, `CONV#${message.id}`, message, ttl)),
    );
  }

  async newest(taskId: string, page: PageRequest): Promise<Page<StoredMessage>> {
    const pk = `TASK#${taskId}`;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :conv)',
        ExpressionAttributeValues: { ':pk': pk, ':conv': 'CONV#' },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, {
          keyNames: ['pk', 'sk'],
          partition: ['pk', pk],
        }),
      }),
    );
    return {
      items: (result.Items ?? []).map(toMessage),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }
}

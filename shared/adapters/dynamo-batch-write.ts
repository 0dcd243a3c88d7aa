import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/**
 * Puts items with BatchWriteItem, 25 a call, retrying what DynamoDB leaves unprocessed with
 * backoff; throws if some stay unprocessed after several tries.
 */
export async function batchPutAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: Item[],
): Promise<void> {
  await batchWriteAll(
    client,
    tableName,
    items.map((Item) => ({ PutRequest: { Item } })),
  );
}

/** Deletes items by key, as `batchPutAll` puts them. */
export async function batchDeleteAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: Item[],
): Promise<void> {
  await batchWriteAll(
    client,
    tableName,
    keys.map((Key) => ({ DeleteRequest: { Key } })),
  );
}

async function batchWriteAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  writes: Item[],
): Promise<void> {
  for (let i = 0; i < writes.length; i += 25) {
    let requests: Item[] | undefined = writes.slice(i, i + 25);
    for (let attempt = 0; requests?.length; attempt++) {
      if (attempt > 5)
        throw new Error(`${requests.length} item(s) stayed unprocessed after retries`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests as never } }),
      );
      requests = result.UnprocessedItems?.[tableName] as Item[] | undefined;
    }
  }
}

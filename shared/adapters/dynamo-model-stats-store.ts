/**
 * Per-model statistics in the single table: `MODELSTATS#<model>` / `MODELSTATS`, listed through
 * gsi1 `MODELSTATS`. Totals only ever grow by ADD, so concurrent writers never lose a sample;
 * samples gathered in one event-loop turn are summed first and written once per model. Latencies
 * are a sketch's bins (dynamo-latency-sketch.ts); items written before it hold `lat00`…, ignored.
 */
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { MicroBatcher } from '../core/micro-batch.js';
import { type ModelStats, summarise, withPercentiles } from '../core/models/model-stats.js';
import type { ModelCallSample } from '../core/models/router.js';
import type { ModelStatsStore } from '../core/ports.js';
import { sketchAdds, sketchOfItem } from './dynamo-latency-sketch.js';

export class DynamoModelStatsStore implements ModelStatsStore {
  private readonly batcher = new MicroBatcher<ModelCallSample>((samples) => this.write(samples));

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  record(samples: ModelCallSample[]): Promise<void> {
    return this.batcher.add(samples);
  }

  private async write(samples: ModelCallSample[]): Promise<void> {
    await Promise.all(
      summarise(samples).map((delta) => {
        const values: Record<string, unknown> = {
          ':calls': delta.calls,
          ':errors': delta.errors,
          ':in': delta.inputTokens,
          ':out': delta.outputTokens,
          ':cost': delta.costUsd,
          ':g1': 'MODELSTATS',
          ':model': delta.model,
        };
        const adds = [
          'calls :calls',
          'errors :errors',
          'inputTokens :in',
          'outputTokens :out',
          'costUsd :cost',
        ];
        adds.push(...sketchAdds(delta.latency, values));
        return this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: `MODELSTATS#${delta.model}`, sk: 'MODELSTATS' },
            UpdateExpression: `SET gsi1pk = :g1, gsi1sk = :model, model = :model ADD ${adds.join(', ')}`,
            ExpressionAttributeValues: values,
          }),
        );
      }),
    );
  }

  async list(): Promise<ModelStats[]> {
    const stats: ModelStats[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': 'MODELSTATS' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        stats.push(
          withPercentiles({
            model: item.model as string,
            calls: Number(item.calls ?? 0),
            errors: Number(item.errors ?? 0),
            inputTokens: Number(item.inputTokens ?? 0),
            outputTokens: Number(item.outputTokens ?? 0),
            costUsd: Number(item.costUsd ?? 0),
            latency: sketchOfItem(item),
          }),
        );
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return stats;
  }
}

/**
 * The price of every dimension local/cost-meter.ts counts: us-east-1 list prices, on-demand,
 * without the free tier, with where each comes from and since when it has applied. Written down
 * on 2026-12-07; a price AWS changes later is changed here, with its new date.
 */
import type { PricedDimension } from '../../local/cost-meter.js';

export interface Price {
  /** USD per one unit of the dimension. */
  usd: number;
  /** What one unit is, as the price page says it. */
  unit: string;
  source: string;
  /** When this list price took effect (or was last confirmed), as the page or its announcement says. */
  since: string;
}

const perMillion = (usd: number) => usd / 1_000_000;

export const PRICES_RECORDED_ON = '2026-12-07';

export const PRICES: Record<PricedDimension, Price> = {
  'dynamodb.write': {
    usd: perMillion(0.625),
    unit: 'write request unit (1 KB, table or index)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    since: '2024-11-01 (on-demand throughput halved)',
  },
  'dynamodb.read': {
    usd: perMillion(0.125),
    unit: 'read request unit (4 KB strongly consistent, 8 KB eventually)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    since: '2024-11-01 (on-demand throughput halved)',
  },
  'sqs.request': {
    usd: perMillion(0.4),
    unit: 'standard queue request (each 64 KB of payload)',
    source: 'https://aws.amazon.com/sqs/pricing/',
    since: '2018 (standard queues, first 100 billion requests a month)',
  },
  'eventbridge.event': {
    usd: perMillion(1),
    unit: 'custom event published (each 64 KB)',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
    since: '2019-07-11 (EventBridge launch)',
  },
  'sfn.transition': {
    usd: 0.025 / 1000,
    unit: 'Standard workflow state transition',
    source: 'https://aws.amazon.com/step-functions/pricing/',
    since: '2016-12-01 (Step Functions launch)',
  },
  'lambda.request': {
    usd: perMillion(0.2),
    unit: 'invocation',
    source: 'https://aws.amazon.com/lambda/pricing/',
    since: '2014-11-13',
  },
  'lambda.gbSecond': {
    usd: 0.0000133334,
    unit: 'GB-second, Arm (first 7.5 billion GB-s a month), billed per ms',
    source: 'https://aws.amazon.com/lambda/pricing/',
    since: '2021-09-29 (Graviton2 functions)',
  },
  'http.request': {
    usd: perMillion(1),
    unit: 'HTTP API request (each 512 KB; first 300 million a month)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    since: '2020-03-12 (HTTP APIs generally available)',
  },
  'ws.message': {
    usd: perMillion(1),
    unit: 'WebSocket message, either way (each 32 KB; first billion a month)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    since: '2018-12-18 (WebSocket APIs launch)',
  },
  'ws.connectionMinute': {
    usd: perMillion(0.25),
    unit: 'WebSocket connection minute',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    since: '2018-12-18 (WebSocket APIs launch)',
  },
  'logs.byte': {
    usd: 0.5 / 1024 ** 3,
    unit: 'byte ingested (CloudWatch Logs standard and Lambda/vended logs, first 10 TB: $0.50/GB)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    since: '2025-05-01 (Lambda logs priced as vended logs; first tier unchanged)',
  },
  'xray.trace': {
    usd: perMillion(5),
    unit: 'trace recorded',
    source: 'https://aws.amazon.com/xray/pricing/',
    since: '2017-04-19 (X-Ray generally available)',
  },
  'secrets.call': {
    usd: 0.05 / 10_000,
    unit: 'Secrets Manager API call',
    source: 'https://aws.amazon.com/secrets-manager/pricing/',
    since: '2018-04-04 (Secrets Manager launch)',
  },
};

/**
 * What runs whether or not any task does, per month, priced apart from the per-task bill: each
 * queue an event source mapping polls is long-polled by Lambda's pollers (at least 5 while
 * idle, each a ReceiveMessage every 20 s).
 */
export const IDLE_RECEIVES_PER_QUEUE_PER_MONTH = 5 * 3 * 60 * 24 * 30;

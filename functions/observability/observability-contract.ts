/** The HTTP contract of the event log, the metrics and the audit log (handler: observability-api.ts). */
import * as z from 'zod';
import { eventQuerySchema } from '../../shared/core/observability/event-listing.js';
import { metricsQuerySchema } from '../../shared/core/observability/metrics-report.js';
import { defineRoutes, isoTime, jsonObject, pageOf } from '../../shared/runtime/http-contract.js';
import { queueStatusSchema } from '../scheduler/tasks-contract.js';

export const eventSchema = z
  .object({
    id: z.string().meta({ description: 'A ULID: sortable by time.' }),
    time: isoTime,
    type: z.string().meta({ description: 'e.g. task.succeeded' }),
    source: z.string().meta({ description: 'agent-core.<layer>' }),
    correlationId: z.string(),
    detail: z.object({
      version: z.literal(1),
      id: z.string(),
      time: isoTime,
      correlationId: z.string(),
      data: jsonObject,
    }),
  })
  .meta({ id: 'Event' });

export const auditQuerySchema = z.object({
  actor: z.string().min(1).max(100).optional().meta({ description: '`admin`, `agent:<id>`…' }),
  action: z.string().min(1).max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
});

const latency = z.object({ p50: z.number(), p95: z.number(), p99: z.number() });
const taskMetrics = z.object({
  submitted: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  deadLettered: z.number(),
  perMinute: z.number().meta({ description: 'Tasks submitted per minute.' }),
  latencyMs: latency,
});
const modelMetrics = z.object({
  calls: z.number(),
  errors: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
  latencyMs: z.object({ p50: z.number(), p95: z.number() }),
});

export const observabilityRoutes = defineRoutes({
  events: {
    method: 'GET',
    path: '/v1/events',
    operationId: 'listEvents',
    summary: 'The event log',
    description:
      'Newest first, back to `since` (default: the last hour). With `after=<event id>`: the ' +
      'events strictly newer than that one, oldest first (what a reconnecting client missed). ' +
      "An agent key sees its own agent's events only.",
    tag: 'observability',
    access: 'key',
    query: eventQuerySchema,
    paginated: true,
    responses: { 200: { description: 'A page of events.', schema: pageOf(eventSchema) } },
    errors: [403],
  },
  metrics: {
    method: 'GET',
    path: '/v1/metrics',
    operationId: 'getMetrics',
    summary: 'Task and model figures over a window, and the queue',
    tag: 'observability',
    access: 'admin',
    query: metricsQuerySchema,
    responses: {
      200: {
        description: 'The window, rounded out to whole minutes.',
        schema: z
          .object({
            windowSeconds: z.number().int(),
            from: isoTime,
            to: isoTime,
            tasks: taskMetrics,
            byAgent: z.record(z.string(), taskMetrics),
            byModel: z.record(z.string(), modelMetrics),
            queue: queueStatusSchema,
          })
          .meta({ id: 'Metrics' }),
      },
    },
  },
  audit: {
    method: 'GET',
    path: '/v1/audit',
    operationId: 'listAudit',
    summary: 'The audit log, newest first',
    description: 'Who did what to what, from which key: every change and every refusal.',
    tag: 'observability',
    access: 'admin',
    query: auditQuerySchema,
    paginated: true,
    responses: {
      200: {
        description: 'A page of entries.',
        schema: pageOf(
          z
            .object({
              eventId: z.string(),
              time: isoTime,
              actor: z.string(),
              action: z.string(),
              target: z.string(),
              outcome: z.enum(['allowed', 'denied']),
              detail: jsonObject,
            })
            .meta({ id: 'AuditEntry' }),
        ),
      },
    },
  },
});

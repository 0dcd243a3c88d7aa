/**
 * The HTTP contract of the API's own description (handler: openapi-api.ts), and the list of
 * every route contract the description is generated from.
 */
import * as z from 'zod';
import { defineRoutes, type RouteContract } from '../../shared/runtime/http-contract.js';
import { messageRoutes } from '../ipc/messages-contract.js';
import { insightRoutes } from '../learning/insights-contract.js';
import { memoryRoutes } from '../memory/memories-contract.js';
import { budgetRoutes } from '../models/budgets-contract.js';
import { modelRoutes } from '../models/models-contract.js';
import { observabilityRoutes } from '../observability/observability-contract.js';
import { workflowRoutes } from '../orchestration/workflows-contract.js';
import { scheduleRoutes } from '../scheduler/schedules-contract.js';
import { taskRoutes } from '../scheduler/tasks-contract.js';
import { keyRoutes } from '../security/keys-contract.js';
import { toolRoutes } from '../tools/tools-contract.js';
import { agentRoutes } from './agents-contract.js';
import { approvalRoutes } from './approvals-contract.js';
import { threadRoutes } from './threads-contract.js';

export const openApiRoutes = defineRoutes({
  document: {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    description: 'OpenAPI 3.1, generated from the schemas the handlers validate with.',
    tag: 'health',
    access: 'public',
    responses: {
      200: {
        description: 'The OpenAPI document.',
        schema: z.looseObject({ openapi: z.string() }).meta({ id: 'OpenApiDocument' }),
      },
    },
  },
});

/** Every HTTP route of the API, in the order the document lists them. */
export const allRoutes: RouteContract[] = [
  agentRoutes,
  taskRoutes,
  threadRoutes,
  approvalRoutes,
  workflowRoutes,
  memoryRoutes,
  messageRoutes,
  modelRoutes,
  budgetRoutes,
  scheduleRoutes,
  toolRoutes,
  keyRoutes,
  observabilityRoutes,
  insightRoutes,
  openApiRoutes,
].flatMap((routes) => Object.values(routes) as RouteContract[]);

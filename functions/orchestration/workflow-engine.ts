/**
 * The workflow-runner state machine's task function: `advance` (plan the next steps from the
 * table), `startStep` (a `.waitForTaskToken` state: submit the step's task, keep the token) and
 * `fail` (the state machine caught a failed step or a fault). See shared/core/workflows/engine.ts.
 */
import * as z from 'zod';
import { parseInput } from '../../shared/core/validation.js';
import {
  advance,
  type EngineDeps,
  recordExecutionFailure,
  STEP_FAILED_ERROR,
  startStep,
} from '../../shared/core/workflows/engine.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { engineDeps } from '../../shared/runtime/workflows.js';

const logger = createLogger('orchestration');

const workflowId = z.string().min(1).max(64);

export const engineRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('advance'), workflowId }),
  z.object({
    action: z.literal('startStep'),
    workflowId,
    stepId: z.string().min(1).max(64),
    taskToken: z.string().min(1),
  }),
  z.object({
    action: z.literal('fail'),
    workflowId,
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  }),
]);

export function workflowEngine(deps: () => EngineDeps) {
  return async (event: unknown): Promise<unknown> => {
    const request = parseInput(engineRequestSchema, event, 'workflow engine request');
    switch (request.action) {
      case 'advance':
        return advance(deps(), request.workflowId);
      case 'startStep':
        await startStep(deps(), request);
        return { started: request.stepId };
      case 'fail':
        // A step's failure is the workflow's own story; anything else is a fault whose raw cause
        // (stack frames included) belongs in the log, not in the workflow's answer.
        if (request.error?.Error !== STEP_FAILED_ERROR) {
          logger.error('workflow execution fault', {
            workflowId: request.workflowId,
            error: request.error,
          });
        }
        return { status: await recordExecutionFailure(deps(), request) };
    }
  };
}

export const handler = eventHandler(workflowEngine(engineDeps), logger);

/** Every event type agent-core publishes, by detail-type. Adding an event means adding it here. */
import * as agentEvents from './agent-events.js';
import * as approvalEvents from './approval-events.js';
import * as budgetEvents from './budget-events.js';
import type { EventDefinition } from './envelope.js';
import * as insightEvents from './insight-events.js';
import * as memoryEvents from './memory-events.js';
import * as messageEvents from './message-events.js';
import * as modelEvents from './model-events.js';
import * as scheduleEvents from './schedule-events.js';
import * as securityEvents from './security-events.js';
import * as taskEvents from './task-events.js';
import * as threadEvents from './thread-events.js';
import * as toolEvents from './tool-events.js';
import * as workflowEvents from './workflow-events.js';

export const eventCatalogue: ReadonlyMap<string, EventDefinition> = new Map(
  [
    ...Object.values(agentEvents),
    ...Object.values(taskEvents),
    ...Object.values(modelEvents),
    ...Object.values(toolEvents),
    ...Object.values(securityEvents),
    ...Object.values(messageEvents),
    ...Object.values(memoryEvents),
    ...Object.values(workflowEvents),
    ...Object.values(insightEvents),
    ...Object.values(threadEvents),
    ...Object.values(approvalEvents),
    ...Object.values(budgetEvents),
    ...Object.values(scheduleEvents),
  ].map((def) => [def.type, def]),
);

export * from './agent-events.js';
export * from './approval-events.js';
export * from './budget-events.js';
export * from './envelope.js';
export * from './insight-events.js';
export * from './memory-events.js';
export * from './message-events.js';
export * from './model-events.js';
export * from './schedule-events.js';
export * from './security-events.js';
export * from './task-events.js';
export * from './thread-events.js';
export * from './tool-events.js';
export * from './workflow-events.js';
export * from './workflow-strategies.js';

/**
 * `agent-core/client`: the typed client of the agent-core HTTP API and its live feed, for Node
 * (>= 20) and browsers.
 *
 *   const ac = new AgentCoreClient({ baseUrl: 'http://127.0.0.1:3000', apiKey });
 *   const task = await ac.tasks.submit({ agentId: 'calculator', input: '2+3?' });
 *   const done = await ac.tasks.wait(task.id);
 */
export * from './client.js';
export * from './errors.js';
export * from './feed.js';
export type { components, operations, paths } from './openapi-types.js';

/**
 * `agent.message`: the running agent sends a message to another agent (or to every agent with a
 * tag), as itself and under the recipients' `acceptsMessagesFrom`, through the runtime's
 * messaging service. Agents with `onMessage: "task"` answer by running a task.
 */
import { messageContentSchema } from '../ipc/message.js';
import { defineTool } from './tool.js';

export const agentMessageTool = defineTool({
  name: 'agent.message',
  description:
    'Sends a message to another agent ("to": its id) or to every agent with a tag ("to": "tag:<tag>"). ' +
    'Only agents that accept messages from you receive it. Returns the message id and its recipients.',
  // subject and ttlSeconds have defaults, so the published JSON Schema does not require them.
  input: messageContentSchema,
  permission: 'tool:agent.message',
  timeoutMs: 5000,
  // The recipients' ids: a broadcast to the largest tag (1000 agents) fits.
  maxOutputBytes: 96 * 1024,
  callsPerMinute: 60,
  run: async (input, context) => {
    const messaging = context.services.messaging;
    if (!messaging) {
      throw new Error('agent.message is not available: this runtime offers no messaging service');
    }
    return messaging.send(context.agentId, input);
  },
});

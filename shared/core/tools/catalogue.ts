/** The built-in tool catalogue. An agent may call a tool only if it lists it in `tools`. */
import * as z from 'zod';
import { evaluateExpression } from './math-eval.js';
import { defineTool, type ToolDefinition } from './tool.js';

const mathEval = defineTool({
  name: 'math.eval',
  description:
    'Evaluates an arithmetic expression: + - * / % ^, parentheses, pi, e, and functions such as sqrt, min, max, log, sin.',
  input: z.strictObject({ expression: z.string().min(1).max(1000) }),
  permission: 'tool:math.eval',
  timeoutMs: 1000,
  maxOutputBytes: 1024,
  run: async ({ expression }) => ({ value: evaluateExpression(expression) }),
});

export const toolCatalogue: ReadonlyMap<string, ToolDefinition> = new Map(
  [mathEval].map((tool) => [tool.name, tool]),
);

export const toolNames: ReadonlySet<string> = new Set(toolCatalogue.keys());

/** The built-in tool catalogue. An agent may call a tool only if it lists it in `tools`. */
import * as z from 'zod';
import { codeAnalyzeTool } from './code-analysis.js';
import { codeScanTool } from './code-scan.js';
import { createHttpFetchTool } from './http-fetch.js';
import { evaluateExpression } from './math-eval.js';
import { memorySearchTool, memoryWriteTool } from './memory-tools.js';
import { agentMessageTool } from './messaging-tool.js';
import { createTimeNowTool } from './time-now.js';
import { defineTool, type ToolDefinition } from './tool.js';
import { BUILT_IN_TOOL_NAMES, toolNames } from './tool-names.js';
import { fsListTool, fsReadTool, fsWriteTool } from './workspace-files.js';

const mathEval = defineTool({
  name: 'math.eval',
  description:
    'Evaluates an arithmetic expression: + - * / % ^, parentheses, pi, e, and functions such as sqrt, min, max, log, sin.',
  input: z.strictObject({ expression: z.string().min(1).max(1000) }),
  permission: 'tool:math.eval',
  timeoutMs: 1000,
  maxOutputBytes: 1024,
  callsPerMinute: 600,
  run: async ({ expression }) => ({ value: evaluateExpression(expression) }),
});

export const toolCatalogue: ReadonlyMap<string, ToolDefinition> = new Map(
  [
    mathEval,
    createTimeNowTool(),
    fsReadTool,
    fsWriteTool,
    fsListTool,
    // The default address policy: public unicast addresses only.
    createHttpFetchTool(),
    codeAnalyzeTool,
    codeScanTool,
    agentMessageTool,
    memorySearchTool,
    memoryWriteTool,
  ].map((tool) => [tool.name, tool]),
);

const names = [...toolCatalogue.keys()].sort().join();
if (names !== [...BUILT_IN_TOOL_NAMES].sort().join()) {
  throw new Error(`tool-names.ts lists ${[...BUILT_IN_TOOL_NAMES]}, the catalogue holds ${names}`);
}

export { toolNames };

/**
 * The names of the built-in tools, on their own so that validating an agent does not load the
 * tools themselves; the catalogue checks at load that it holds exactly these.
 */
export const BUILT_IN_TOOL_NAMES = [
  'math.eval',
  'time.now',
  'fs.read',
  'fs.write',
  'fs.list',
  'http.fetch',
  'code.analyze',
  'code.scan',
  'agent.message',
  'memory.search',
  'memory.write',
] as const;

export const toolNames: ReadonlySet<string> = new Set(BUILT_IN_TOOL_NAMES);

/**
 * Tool names on the wire. Bedrock Converse and OpenAI accept `^[a-zA-Z0-9_-]{1,64}$`; ours hold
 * dots (`math.eval`, `mcp.github.search`), so both providers map them reversibly.
 */
import { createHash } from 'node:crypto';
import type { ModelRequest } from '../../core/kernel/model-provider.js';
import { ModelCallError } from '../../core/models/model-error.js';

/** What Bedrock Converse and OpenAI accept as a tool name. */
export const WIRE_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Room left for `_` and 8 hex digits when a name is hashed. */
const HASHED_PREFIX_LENGTH = 64 - 9;

/**
 * The wire form of one of our tool names. Dots become `__` (`mcp.github.search` →
 * `mcp__github__search`), which reads well in traces and maps back by itself. A name that
 * cannot take that form unambiguously (it already holds `__`, has other characters, or is longer
 * than 64) gets a cleaned prefix and a hash of the full name: still valid, still distinct.
 */
export function toWireToolName(name: string): string {
  const dotted = name.replaceAll('.', '__');
  if (!name.includes('__') && WIRE_TOOL_NAME.test(dotted)) return dotted;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const prefix = dotted.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, HASHED_PREFIX_LENGTH);
  return `${prefix}_${hash}`;
}

/**
 * The tool names of one request and their wire forms. Names the model answers with are mapped
 * back through this table; a name it made up is mapped back by the dot rule alone, so that the
 * caller sees (and denies) the name the model meant.
 */
export class ToolNames {
  private readonly byWire = new Map<string, string>();

  constructor(names: Iterable<string>) {
    for (const name of names) {
      const wire = toWireToolName(name);
      const known = this.byWire.get(wire);
      if (known !== undefined && known !== name) {
        throw new ModelCallError(
          `tool names '${known}' and '${name}' map to the same wire name '${wire}'`,
          'invalid-request',
          false,
        );
      }
      this.byWire.set(wire, name);
    }
  }

  /** Every tool name a request mentions: the tools offered and those called earlier. */
  static of(request: Pick<ModelRequest, 'messages' | 'tools'>): ToolNames {
    return new ToolNames([
      ...request.tools.map((tool) => tool.name),
      ...request.messages.flatMap((m) =>
        m.role === 'assistant' ? m.toolCalls.map((call) => call.name) : [],
      ),
    ]);
  }

  toWire(name: string): string {
    return toWireToolName(name);
  }

  fromWire(wire: string): string {
    return this.byWire.get(wire) ?? wire.replaceAll('__', '.');
  }
}

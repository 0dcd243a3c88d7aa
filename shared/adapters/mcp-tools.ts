/**
 * Tools of remote MCP servers (Streamable HTTP) as ToolDefinitions named `mcp.<server>.<tool>`.
 * A server that cannot be reached or listed is reported, not thrown: the agent runs with the
 * tools it has. The remote JSON Schema of each tool is kept for the catalogue to publish; the
 * local zod schema only checks that the input is a JSON object and the server validates the rest.
 */
import { lookup } from 'node:dns/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import {
  AddressRefusedError,
  isPublicAddress,
  NoAddressError,
} from '../core/tools/address-policy.js';
import type { ToolContext, ToolDefinition } from '../core/tools/tool.js';
import { pinnedFetch } from './pinned-fetch.js';

export interface McpServerSpec {
  /** Becomes the middle of the tool names: `^[a-z0-9][a-z0-9-]{0,30}$`. */
  name: string;
  /** The server's Streamable HTTP endpoint, http or https. */
  url: string;
  /** Sent with every request to the server (e.g. an Authorization header). */
  headers?: Record<string, string>;
  /**
   * Set by the admin for a server on a private network (or this machine): it is connected to
   * without the address policy. Otherwise its URL must resolve to public addresses only, as
   * `http.fetch`'s must, and the connection goes to the address that was checked.
   */
  private?: boolean | undefined;
}

export interface McpToolOptions {
  /** Per call, and for connecting and listing (default 30 s). */
  timeoutMs?: number;
  /** Default 64 KiB. */
  maxOutputBytes?: number;
  /** Default 60. */
  callsPerMinute?: number;
  /** Resolves a server's host name to all its addresses; default: the system resolver. */
  resolveHost?: (host: string) => Promise<string[]>;
  /** Which addresses a server not marked private may have; default: public unicast only. */
  isAddressAllowed?: (ip: string) => boolean;
}

/** A remote tool: a ToolDefinition that also carries the JSON Schema its server published. */
export interface McpToolDefinition extends ToolDefinition<McpInput> {
  inputJsonSchema: Record<string, unknown>;
  server: string;
  /** The tool's name on its server, which the local name may have had to sanitize. */
  remoteName: string;
}

export interface McpLoadError {
  server: string;
  message: string;
}

export interface LoadedMcpTools {
  tools: McpToolDefinition[];
  /** Servers that failed to connect or list, and remote tools that had to be skipped. */
  errors: McpLoadError[];
  /** Closes every connection; idempotent. */
  close(): Promise<void>;
}

type McpInput = z.ZodRecord<z.ZodString, z.ZodUnknown>;

export const MCP_SERVER_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;
const MAX_TOOL_NAME_LENGTH = 64;
const MAX_DESCRIPTION_BYTES = 1024;
/** A schema larger than this would crowd the model's context; such a tool is skipped. */
const MAX_INPUT_SCHEMA_BYTES = 32 * 1024;
/** Bounds on a listing, so that a server paging forever cannot hold the agent's start. */
const MAX_LIST_PAGES = 20;
const MAX_TOOLS_PER_SERVER = 256;
/** Error texts may quote a server's answer; they go to traces and to the model, so keep them short. */
const MAX_ERROR_MESSAGE_BYTES = 512;

const DEFAULTS = {
  timeoutMs: 30_000,
  maxOutputBytes: 64 * 1024,
  callsPerMinute: 60,
  resolveHost: async (host: string) =>
    (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address),
  isAddressAllowed: isPublicAddress,
};
const CLIENT_INFO = { name: 'agent-core', version: '0.1.0' };

type Limits = typeof DEFAULTS;

/** A failure of our own making, whose message says nothing a server sent: safe to show. */
class McpSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'McpSetupError';
  }
}

/** The JSON Schema to publish for a tool's input: the server's for MCP tools, else from zod. */
export function jsonSchemaOf(tool: ToolDefinition): Record<string, unknown> {
  const remote = (tool as Partial<McpToolDefinition>).inputJsonSchema;
  if (remote) return remote;
  return z.toJSONSchema(tool.input, { io: 'input' }) as Record<string, unknown>;
}

/** Connects to every server (in parallel) and lists its tools. */
export async function loadMcpTools(
  servers: McpServerSpec[],
  options: McpToolOptions = {},
): Promise<LoadedMcpTools> {
  const limits: Limits = { ...DEFAULTS, ...definedOnly(options) };
  const errors: McpLoadError[] = [];
  const seen = new Set<string>();
  const unique = servers.filter((spec) => {
    if (seen.has(spec.name)) {
      errors.push({ server: spec.name, message: 'server listed more than once' });
      return false;
    }
    seen.add(spec.name);
    return true;
  });

  const outcomes = await Promise.allSettled(unique.map((spec) => loadServer(spec, limits)));
  const clients: Client[] = [];
  const tools: McpToolDefinition[] = [];
  outcomes.forEach((outcome, index) => {
    const server = unique[index]?.name ?? '';
    if (outcome.status === 'rejected') {
      errors.push({ server, message: failureOf(outcome.reason) });
      return;
    }
    clients.push(outcome.value.client);
    tools.push(...outcome.value.tools);
    errors.push(...outcome.value.skipped.map((message) => ({ server, message })));
  });

  let closing: Promise<void> | undefined;
  return {
    tools,
    errors,
    close() {
      closing ??= Promise.allSettled(clients.map((client) => client.close())).then(() => {});
      return closing;
    },
  };
}

async function loadServer(
  spec: McpServerSpec,
  limits: Limits,
): Promise<{ client: Client; tools: McpToolDefinition[]; skipped: string[] }> {
  if (!MCP_SERVER_NAME.test(spec.name)) {
    throw new McpSetupError(`invalid server name: must match ${MCP_SERVER_NAME.source}`);
  }
  const url = URL.canParse(spec.url) ? new URL(spec.url) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new McpSetupError('invalid url: an http or https URL is required');
  }
  const client = new Client(CLIENT_INFO);
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { ...spec.headers } },
    ...(spec.private
      ? {}
      : {
          fetch: pinnedFetch({
            resolveHost: limits.resolveHost,
            isAddressAllowed: limits.isAddressAllowed,
          }),
        }),
  });
  try {
    await client.connect(transport, { timeout: limits.timeoutMs });
    const remoteTools = await listAllTools(client, limits.timeoutMs);
    const tools: McpToolDefinition[] = [];
    const skipped: string[] = [];
    const taken = new Map<string, string>();
    for (const remote of remoteTools) {
      const result = toToolDefinition(spec.name, remote, client, limits);
      if (typeof result === 'string') {
        skipped.push(result);
        continue;
      }
      const clash = taken.get(result.name);
      if (clash !== undefined) {
        skipped.push(
          `tool '${remote.name}' skipped: its name ${result.name} is taken by '${clash}'`,
        );
        continue;
      }
      taken.set(result.name, remote.name);
      tools.push(result);
    }
    return { client, tools, skipped };
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
}

async function listAllTools(client: Client, timeoutMs: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const result = await client.listTools(cursor === undefined ? undefined : { cursor }, {
      timeout: timeoutMs,
    });
    tools.push(...result.tools);
    if (tools.length > MAX_TOOLS_PER_SERVER) {
      throw new McpSetupError(`the server lists more than ${MAX_TOOLS_PER_SERVER} tools`);
    }
    cursor = result.nextCursor;
    if (!cursor) return tools;
  }
  throw new McpSetupError(`the tool listing goes on beyond ${MAX_LIST_PAGES} pages`);
}

/** The local definition of a remote tool, or why it was skipped. */
function toToolDefinition(
  server: string,
  remote: Tool,
  client: Client,
  limits: Limits,
): McpToolDefinition | string {
  if (remote.name.length === 0) return 'a tool without a name was skipped';
  const prefix = `mcp.${server}.`;
  const name =
    prefix +
    remote.name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_TOOL_NAME_LENGTH - prefix.length);
  const inputJsonSchema = remote.inputSchema as Record<string, unknown>;
  if (Buffer.byteLength(JSON.stringify(inputJsonSchema)) > MAX_INPUT_SCHEMA_BYTES) {
    return `tool '${remote.name}' skipped: its input schema is larger than ${MAX_INPUT_SCHEMA_BYTES} bytes`;
  }
  const description = truncateUtf8(
    remote.description?.trim() ||
      remote.title?.trim() ||
      `Tool ${remote.name} of MCP server ${server}.`,
    MAX_DESCRIPTION_BYTES,
  );
  return {
    name,
    description,
    input: objectInput(inputJsonSchema),
    inputJsonSchema,
    server,
    remoteName: remote.name,
    permission: `tool:${name}`,
    timeoutMs: limits.timeoutMs,
    maxOutputBytes: limits.maxOutputBytes,
    callsPerMinute: limits.callsPerMinute,
    run: (input, context) => callRemote(client, name, remote.name, input, context, limits),
  };
}

/**
 * Any JSON object. The remote schema rides along as zod metadata, so that `z.toJSONSchema` of the
 * input (what a catalogue that knows nothing of MCP publishes) describes the remote tool too.
 * `id` is left out: zod would treat it as a registry id and throw on the second tool using one.
 */
function objectInput(jsonSchema: Record<string, unknown>): McpInput {
  const { id: _id, ...metadata } = jsonSchema;
  return z.record(z.string(), z.unknown()).meta(metadata);
}

async function callRemote(
  client: Client,
  name: string,
  remoteName: string,
  input: Record<string, unknown>,
  context: ToolContext,
  limits: Limits,
): Promise<unknown> {
  let result: CallToolResult;
  try {
    result = (await client.callTool({ name: remoteName, arguments: input }, undefined, {
      signal: context.signal,
      timeout: limits.timeoutMs,
      maxTotalTimeout: limits.timeoutMs,
    })) as CallToolResult;
  } catch (error) {
    if (context.signal.aborted) {
      throw new Error(`${name} was aborted: ${messageOf(context.signal.reason)}`, {
        cause: error,
      });
    }
    // The model and the task's steps hear what failed, never what the server said.
    throw new Error(`${name} failed: ${failureOf(error)}`, { cause: error });
  }
  const text = textOf(result.content ?? []);
  if (result.isError) {
    throw new Error(truncateUtf8(text || `${name} reported an error`, limits.maxOutputBytes));
  }
  return result.structuredContent ?? text;
}

/** Text blocks joined; other blocks named in brackets so the model knows they were there. */
function textOf(content: CallToolResult['content']): string {
  return content
    .map((block) => {
      switch (block.type) {
        case 'text':
          return block.text;
        case 'resource':
          return 'text' in block.resource
            ? block.resource.text
            : `[binary resource ${block.resource.uri}]`;
        case 'resource_link':
          return `[resource ${block.uri}]`;
        default:
          return `[${block.type} ${block.mimeType}]`;
      }
    })
    .join('\n');
}

/** `text` cut to at most `maxBytes` of UTF-8, never inside a character, marked with an ellipsis. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const ellipsis = '…';
  let budget = maxBytes - Buffer.byteLength(ellipsis);
  let out = '';
  for (const char of text) {
    budget -= Buffer.byteLength(char);
    if (budget < 0) break;
    out += char;
  }
  return out + ellipsis;
}

/** A local error's message (an abort's reason), cut short. */
function messageOf(error: unknown): string {
  return truncateUtf8(
    error instanceof Error ? error.message : String(error),
    MAX_ERROR_MESSAGE_BYTES,
  );
}

/** Fixed words for the JSON-RPC errors a server may answer. */
const JSON_RPC_ERRORS: Record<number, string> = {
  [-32700]: 'parse error',
  [-32600]: 'invalid request',
  [-32601]: 'method not found',
  [-32602]: 'invalid params',
  [-32603]: 'internal error',
  [-32001]: 'timed out',
  [-32000]: 'connection closed',
};

/**
 * What failed, in words of our own: a status, an error code, a fixed reason. Never the text a
 * server answered, which may be anything its URL leads to (an internal endpoint's body among
 * them); it goes to `GET /v1/tools?agentId=` answers, to task steps and to the model.
 */
function failureOf(error: unknown): string {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if (
      cause instanceof McpSetupError ||
      cause instanceof AddressRefusedError ||
      cause instanceof NoAddressError
    ) {
      return truncateUtf8(cause.message, MAX_ERROR_MESSAGE_BYTES);
    }
    cause = cause.cause;
  }
  if (error instanceof StreamableHTTPError) {
    return typeof error.code === 'number' && error.code >= 100
      ? `the server answered HTTP ${error.code}`
      : 'the server did not answer as an MCP server';
  }
  if (error instanceof McpError) {
    const reason = JSON_RPC_ERRORS[error.code];
    return `the server answered MCP error ${error.code}${reason ? ` (${reason})` : ''}`;
  }
  // The client's own word for a closed connection.
  if (error instanceof Error && error.message === 'Not connected') return 'not connected';
  const code = systemCode(error) ?? systemCode((error as { cause?: unknown })?.cause);
  if (code) return `could not reach the server (${code})`;
  return 'the connection to the server failed';
}

/** A Node system error's code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED…), if it is one. */
function systemCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? code : undefined;
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

/**
 * loadMcpTools against real MCP servers built with the same SDK and served over Streamable HTTP
 * (stateless: a fresh server and transport per request) on 127.0.0.1.
 */
import { createServer, type Server as HttpServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  jsonSchemaOf,
  type LoadedMcpTools,
  loadMcpTools,
  type McpToolDefinition,
} from '../../shared/adapters/mcp-tools.js';
import { defineTool, type ToolContext } from '../../shared/core/tools/tool.js';

const TOKEN = 'Bearer test-token-1';
/** What an internal endpoint answers; no error may quote it. */
const SECRET_BODY = 'internal-secret-4c1d: stack at /srv/internal/app.js:12';

/** Sleeps `ms`, or less when `signal` aborts; never keeps the process alive by itself. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** The main test server: typical tools, behind an Authorization header. */
function toolServer(): McpServer {
  const server = new McpServer({ name: 'test-tools', version: '1.0.0' });
  server.registerTool(
    'add',
    { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );
  server.registerTool(
    'fail',
    { description: 'Always fails.', inputSchema: { why: z.string().optional() } },
    async ({ why }) => ({
      isError: true,
      content: [{ type: 'text', text: `the tool broke: ${why ?? 'no reason'}` }],
    }),
  );
  server.registerTool(
    'slow',
    { description: 'Answers after ms milliseconds.', inputSchema: { ms: z.number() } },
    async ({ ms }, extra) => {
      await sleep(ms, extra.signal);
      return { content: [{ type: 'text', text: 'finally' }] };
    },
  );
  server.registerTool(
    'stats',
    {
      description: 'Counts words, as structured content.',
      inputSchema: { text: z.string() },
      outputSchema: { words: z.number() },
    },
    async ({ text }) => {
      const words = text.split(/\s+/).filter(Boolean).length;
      return {
        content: [{ type: 'text', text: JSON.stringify({ words }) }],
        structuredContent: { words },
      };
    },
  );
  server.registerTool('lines', { description: 'Two text blocks.' }, async () => ({
    content: [
      { type: 'text', text: 'first' },
      { type: 'text', text: 'second' },
    ],
  }));
  return server;
}

const page1: Tool[] = [
  { name: 'alpha', description: 'First page.', inputSchema: { type: 'object' } },
  {
    name: 'weird.name/with spaces',
    description: 'd'.repeat(3000),
    inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
  },
];
const page2: Tool[] = [
  { name: 'x'.repeat(80), inputSchema: { type: 'object' } },
  {
    name: 'weird_name_with_spaces',
    description: 'Collides once sanitized.',
    inputSchema: { type: 'object' },
  },
  {
    name: 'huge-schema',
    description: 'Too large a schema.',
    inputSchema: { type: 'object', description: 's'.repeat(40_000) },
  },
];

/** A low-level server whose listing comes in two pages (and, with `endless`, never ends). */
function pagedServer(endless: boolean): Server {
  const server = new Server({ name: 'paged', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    if (endless) return { tools: [], nextCursor: `${Number(request.params?.cursor ?? 0) + 1}` };
    return request.params?.cursor === 'page-2'
      ? { tools: page2 }
      : { tools: page1, nextCursor: 'page-2' };
  });
  return server;
}

const seenHeaders: IncomingMessage['headers'][] = [];

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

const http: HttpServer = createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/leaky') {
    // An internal endpoint that is no MCP server: its answer must never be reflected.
    return void res
      .writeHead(500, { 'content-type': 'application/json' })
      .end(`{"message":"${SECRET_BODY}"}`);
  }
  const build = {
    '/mcp': () => toolServer(),
    '/flaky': () => toolServer(),
    '/paged': () => pagedServer(false),
    '/endless': () => pagedServer(true),
  }[path];
  if (!build) return void res.writeHead(404).end(SECRET_BODY);
  if (req.method !== 'POST') return void res.writeHead(405).end(SECRET_BODY);
  if (path === '/mcp') {
    seenHeaders.push(req.headers);
    if (req.headers.authorization !== TOKEN) return void res.writeHead(401).end();
  }
  const server = build();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  try {
    const body = await readJson(req);
    if (path === '/flaky' && (body as { method?: string }).method === 'tools/call') {
      return void res.writeHead(502).end(SECRET_BODY);
    }
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  } catch {
    if (!res.headersSent) res.writeHead(500).end();
  }
});

let base = '';
let closedPortUrl = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  // A port that was just free and is closed again: connections to it are refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPortUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/mcp`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
});

const noServices: ToolContext['services'] = {
  workspace: () => {
    throw new Error('no workspace in this test');
  },
  resolveHost: async () => [],
};

const contextWith = (signal: AbortSignal = new AbortController().signal): ToolContext => ({
  agentId: 'agent-1',
  taskId: 'task-1',
  allowedHosts: [],
  signal,
  services: noServices,
});

function toolNamed(loaded: LoadedMcpTools, name: string): McpToolDefinition {
  const tool = loaded.tools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name} in ${loaded.tools.map((t) => t.name).join(', ')}`);
  return tool;
}

/** Loads, runs `body`, and closes whatever happens. */
async function withTools<T>(
  load: Promise<LoadedMcpTools>,
  body: (loaded: LoadedMcpTools) => Promise<T>,
): Promise<T> {
  const loaded = await load;
  try {
    return await body(loaded);
  } finally {
    await loaded.close();
  }
}

/**
 * The main server, with its token (a function: the port is known only once it listens). The test
 * servers listen on 127.0.0.1, so their entries are marked private, as the admin would.
 */
const calcSpec = () => ({
  name: 'calc',
  url: `${base}/mcp`,
  headers: { authorization: TOKEN },
  private: true,
});

describe('loadMcpTools', () => {
  it('exposes every remote tool as mcp.<server>.<tool> with its description and limits', async () => {
    await withTools(loadMcpTools([calcSpec()]), async (loaded) => {
      // Assess
      expect(loaded.errors).toEqual([]);
      expect(loaded.tools.map((t) => t.name).sort()).toEqual([
        'mcp.calc.add',
        'mcp.calc.fail',
        'mcp.calc.lines',
        'mcp.calc.slow',
        'mcp.calc.stats',
      ]);
      const add = toolNamed(loaded, 'mcp.calc.add');
      expect(add).toMatchObject({
        description: 'Adds two numbers.',
        permission: 'tool:mcp.calc.add',
        server: 'calc',
        remoteName: 'add',
        timeoutMs: 30_000,
        maxOutputBytes: 64 * 1024,
        callsPerMinute: 60,
      });
    });
  });

  it('applies the limits it is given', async () => {
    await withTools(
      loadMcpTools([calcSpec()], { timeoutMs: 5_000, maxOutputBytes: 2048, callsPerMinute: 6 }),
      async (loaded) => {
        expect(toolNamed(loaded, 'mcp.calc.add')).toMatchObject({
          timeoutMs: 5_000,
          maxOutputBytes: 2048,
          callsPerMinute: 6,
        });
      },
    );
  });

  it("publishes the server's input JSON Schema and accepts any JSON object locally", async () => {
    await withTools(loadMcpTools([calcSpec()]), async (loaded) => {
      const add = toolNamed(loaded, 'mcp.calc.add');
      // The server's schema, both as a property and through z.toJSONSchema of the input.
      const expected = {
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number' } },
        required: ['a', 'b'],
      };
      expect(add.inputJsonSchema).toMatchObject(expected);
      expect(jsonSchemaOf(add)).toBe(add.inputJsonSchema);
      expect(z.toJSONSchema(add.input, { io: 'input' })).toMatchObject(expected);
      // Locally only "a JSON object" is checked; the server validates the rest.
      expect(add.input.safeParse({ a: 1, b: 2 }).success).toBe(true);
      expect(add.input.safeParse({ anything: 'goes' }).success).toBe(true);
      expect(add.input.safeParse([1, 2]).success).toBe(false);
      expect(add.input.safeParse('a=1').success).toBe(false);
      expect(add.input.safeParse(null).success).toBe(false);
    });
  });

  it('falls back to zod for the JSON Schema of a built-in tool', () => {
    const builtIn = defineTool({
      name: 'echo',
      description: 'Echoes.',
      input: z.strictObject({ text: z.string() }),
      permission: 'tool:echo',
      timeoutMs: 1000,
      maxOutputBytes: 1024,
      callsPerMinute: 60,
      run: async ({ text }) => text,
    });
    expect(jsonSchemaOf(builtIn)).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
    });
  });

  it('calls a tool and answers its text; several text blocks are joined', async () => {
    await withTools(loadMcpTools([calcSpec()]), async (loaded) => {
      // Act
      const sum = await toolNamed(loaded, 'mcp.calc.add').run({ a: 2, b: 40 }, contextWith());
      const lines = await toolNamed(loaded, 'mcp.calc.lines').run({}, contextWith());
      // Assess
      expect(sum).toBe('42');
      expect(lines).toBe('first\nsecond');
    });
  });

  it('prefers structured content when the tool returns it', async () => {
    await withTools(loadMcpTools([calcSpec()]), async (loaded) => {
      const result = await toolNamed(loaded, 'mcp.calc.stats').run(
        { text: 'one two  three' },
        contextWith(),
      );
      expect(result).toEqual({ words: 3 });
    });
  });

  it('throws the text of a result marked isError', async () => {
    await withTools(loadMcpTools([calcSpec()]), async (loaded) => {
      await expect(
        toolNamed(loaded, 'mcp.calc.fail').run({ why: 'on purpose' }, contextWith()),
      ).rejects.toThrow('the tool broke: on purpose');
    });
  });

  it('throws when the server rejects the arguments against its schema', async () => {
    await withTools(loadMcpTools([calcSpec()]), async (loaded) => {
      await expect(
        toolNamed(loaded, 'mcp.calc.add').run({ a: 'two', b: 2 }, contextWith()),
      ).rejects.toThrow(/validation error.*expected number/is);
    });
  });

  it('stops waiting for a slow tool when the signal aborts', async () => {
    await withTools(loadMcpTools([calcSpec()]), async (loaded) => {
      // Act
      const started = Date.now();
      const call = toolNamed(loaded, 'mcp.calc.slow').run(
        { ms: 10_000 },
        contextWith(AbortSignal.timeout(200)),
      );
      // Assess
      await expect(call).rejects.toThrow(/mcp\.calc\.slow was aborted/);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  it('stops waiting for a slow tool after its own timeout, signal or not', async () => {
    await withTools(loadMcpTools([calcSpec()], { timeoutMs: 300 }), async (loaded) => {
      const started = Date.now();
      await expect(
        toolNamed(loaded, 'mcp.calc.slow').run({ ms: 10_000 }, contextWith()),
      ).rejects.toThrow(/timed out/i);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  it('reports an unreachable server and still loads the tools of the others', async () => {
    await withTools(
      loadMcpTools([{ name: 'down', url: closedPortUrl, private: true }, calcSpec()]),
      async (loaded) => {
        // Assess
        expect(loaded.errors).toHaveLength(1);
        expect(loaded.errors[0]?.server).toBe('down');
        expect(loaded.errors[0]?.message).toMatch(/ECONNREFUSED|fetch failed/);
        expect(loaded.tools.map((t) => t.name)).toContain('mcp.calc.add');
        expect(loaded.tools.some((t) => t.name.startsWith('mcp.down.'))).toBe(false);
        expect(await toolNamed(loaded, 'mcp.calc.add').run({ a: 1, b: 1 }, contextWith())).toBe(
          '2',
        );
      },
    );
  });

  it('sends the configured headers with every request, and fails without them', async () => {
    // Prepare
    seenHeaders.length = 0;
    const specs = [
      { ...calcSpec(), headers: { authorization: TOKEN, 'x-tenant': 'tenant-7' } },
      { name: 'noauth', url: `${base}/mcp`, private: true },
    ];
    await withTools(loadMcpTools(specs), async (loaded) => {
      await toolNamed(loaded, 'mcp.calc.add').run({ a: 1, b: 2 }, contextWith());
      // Assess: every request of the configured server carried both headers.
      const fromCalc = seenHeaders.filter((h) => h['x-tenant'] === 'tenant-7');
      expect(fromCalc.length).toBeGreaterThanOrEqual(3); // initialize, initialized, list, call
      expect(fromCalc.every((h) => h.authorization === TOKEN)).toBe(true);
      expect(loaded.errors).toEqual([
        { server: 'noauth', message: expect.stringContaining('HTTP 401') },
      ]);
      expect(loaded.tools.every((t) => t.server === 'calc')).toBe(true);
    });
  });

  it('follows pagination cursors, sanitizes and truncates names, truncates descriptions', async () => {
    await withTools(
      loadMcpTools([{ name: 'paged', url: `${base}/paged`, private: true }]),
      async (loaded) => {
        const names = loaded.tools.map((t) => t.name);
        const long = `mcp.paged.${'x'.repeat(64 - 'mcp.paged.'.length)}`;
        expect(names).toEqual(['mcp.paged.alpha', 'mcp.paged.weird_name_with_spaces', long]);
        expect(names.every((n) => n.length <= 64 && /^mcp\.paged\.[A-Za-z0-9_-]+$/.test(n))).toBe(
          true,
        );
        const weird = toolNamed(loaded, 'mcp.paged.weird_name_with_spaces');
        expect(weird.remoteName).toBe('weird.name/with spaces');
        expect(Buffer.byteLength(weird.description)).toBeLessThanOrEqual(1024);
        expect(weird.description.endsWith('…')).toBe(true);
        expect(toolNamed(loaded, long).description).toBe(
          `Tool ${'x'.repeat(80)} of MCP server paged.`,
        );
        // The tool whose sanitized name collides, and the one with a huge schema, are reported.
        expect(loaded.errors).toEqual([
          { server: 'paged', message: expect.stringContaining("'weird_name_with_spaces' skipped") },
          { server: 'paged', message: expect.stringContaining("'huge-schema' skipped") },
        ]);
      },
    );
  });

  it('reports a server whose listing never ends', async () => {
    await withTools(
      loadMcpTools([{ name: 'endless', url: `${base}/endless`, private: true }]),
      async (loaded) => {
        expect(loaded.tools).toEqual([]);
        expect(loaded.errors).toEqual([
          { server: 'endless', message: expect.stringContaining('beyond 20 pages') },
        ]);
      },
    );
  });

  it('reports bad server specs without connecting', async () => {
    const loaded = await loadMcpTools([
      { name: 'Bad_Name', url: `${base}/mcp` },
      { name: 'ftp', url: 'ftp://127.0.0.1/mcp' },
      { name: 'nourl', url: 'not a url' },
      calcSpec(),
      calcSpec(),
    ]);
    await loaded.close();
    expect(loaded.errors).toEqual([
      { server: 'calc', message: 'server listed more than once' },
      { server: 'Bad_Name', message: expect.stringContaining('invalid server name') },
      { server: 'ftp', message: expect.stringContaining('invalid url') },
      { server: 'nourl', message: expect.stringContaining('invalid url') },
    ]);
    expect(loaded.tools.filter((t) => t.name === 'mcp.calc.add')).toHaveLength(1);
  });

  it('refuses a server whose address is not public unless marked private, connecting nowhere', async () => {
    // Prepare
    seenHeaders.length = 0;
    const { private: _private, ...unmarked } = calcSpec();

    // Act
    const loaded = await loadMcpTools([
      unmarked,
      { name: 'meta', url: 'http://169.254.169.254/mcp' },
    ]);
    await loaded.close();

    // Assess
    expect(loaded.tools).toEqual([]);
    expect(loaded.errors).toEqual([
      { server: 'calc', message: expect.stringMatching(/127\.0\.0\.1 is not a public address/) },
      {
        server: 'meta',
        message: expect.stringMatching(/169\.254\.169\.254 is not a public address/),
      },
    ]);
    expect(seenHeaders).toEqual([]);
  });

  it('refuses a name resolving to any private address, and connects to the address it checked', async () => {
    // Prepare: names that no DNS knows, answered by the resolver the runtime lends tools.
    const port = new URL(base).port;
    const answers: Record<string, string[]> = {
      'tools.example.test': ['127.0.0.1'],
      'mixed.example.test': ['8.8.8.8', '10.0.0.7'],
    };
    const options = {
      resolveHost: async (host: string) => answers[host] ?? [],
      // A policy that takes the loopback address (and nothing else private) for the test's sake.
      isAddressAllowed: (ip: string) => ip === '127.0.0.1' || ip === '8.8.8.8',
    };

    // Act
    const pinned = await loadMcpTools(
      [{ ...calcSpec(), private: false, url: `http://tools.example.test:${port}/mcp` }],
      options,
    );
    const mixed = await loadMcpTools(
      [{ ...calcSpec(), private: false, url: `http://mixed.example.test:${port}/mcp` }],
      { ...options, isAddressAllowed: (ip: string) => ip === '8.8.8.8' },
    );

    // Assess: the tools came from 127.0.0.1, the address checked, though no DNS knows the name.
    try {
      expect(await toolNamed(pinned, 'mcp.calc.add').run({ a: 2, b: 3 }, contextWith())).toBe('5');
      expect(seenHeaders.at(-1)?.host).toBe(`tools.example.test:${port}`);
    } finally {
      await pinned.close();
      await mixed.close();
    }
    expect(mixed.errors).toEqual([
      {
        server: 'calc',
        message: expect.stringMatching(/resolves to 10\.0\.0\.7, which is not a public address/),
      },
    ]);
  });

  it('never quotes what the server answered when it fails, only its status', async () => {
    // Act
    const loaded = await loadMcpTools([
      { name: 'leaky', url: `${base}/leaky`, private: true },
      { name: 'nothing', url: `${base}/nothing-here`, private: true },
    ]);
    await loaded.close();

    // Assess
    expect(loaded.errors).toEqual([
      { server: 'leaky', message: expect.stringContaining('HTTP 500') },
      { server: 'nothing', message: expect.stringContaining('HTTP 404') },
    ]);
    expect(JSON.stringify(loaded.errors)).not.toContain('internal-secret');
  });

  it('never quotes the body of a failed call either', async () => {
    await withTools(
      loadMcpTools([{ ...calcSpec(), name: 'flaky', url: `${base}/flaky` }]),
      async (loaded) => {
        // Act
        const failure = await toolNamed(loaded, 'mcp.flaky.add')
          .run({ a: 1, b: 2 }, contextWith())
          .then(
            () => undefined,
            (error: unknown) => error as Error,
          );

        // Assess
        expect(failure?.message).toContain('HTTP 502');
        expect(failure?.message).not.toContain('internal-secret');
      },
    );
  });

  it('closes every connection: calls fail afterwards, and closing again is harmless', async () => {
    // Prepare
    const loaded = await loadMcpTools([
      calcSpec(),
      { name: 'paged', url: `${base}/paged`, private: true },
    ]);
    const add = toolNamed(loaded, 'mcp.calc.add');
    expect(await add.run({ a: 3, b: 4 }, contextWith())).toBe('7');
    // Act
    await loaded.close();
    await loaded.close();
    // Assess
    await expect(add.run({ a: 3, b: 4 }, contextWith())).rejects.toThrow(/not connected/i);
  });
});

import { describe, expect, it, vi } from 'vitest';
import {
  canonicalHost,
  isHostAllowed,
  isPublicAddress,
} from '../../shared/core/tools/address-policy.js';
import { createHttpFetchTool, HttpFetchError } from '../../shared/core/tools/http-fetch.js';
import { type ToolContext, ToolInputError } from '../../shared/core/tools/tool.js';

// Every case here must be refused before a connection is made. The transports are replaced so
// that a policy bug shows up as a recorded call and a failed test, never as traffic.
const network = vi.hoisted(() => ({ requests: [] as unknown[] }));
vi.mock('node:http', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:http')>();
  return {
    ...actual,
    request: (...args: unknown[]) => {
      network.requests.push(args);
      throw new Error('the network must not be reached in this test');
    },
  };
});
vi.mock('node:https', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:https')>();
  return {
    ...actual,
    request: (...args: unknown[]) => {
      network.requests.push(args);
      throw new Error('the network must not be reached in this test');
    },
  };
});

describe('isPublicAddress', () => {
  it.each([
    // IPv4 0.0.0.0/8, "this network" and the unspecified address
    '0.0.0.0',
    '0.1.2.3',
    '0.255.255.255',
    // 10/8
    '10.0.0.0',
    '10.0.0.1',
    '10.255.255.255',
    // 100.64/10, carrier-grade NAT
    '100.64.0.0',
    '100.100.100.100',
    '100.127.255.255',
    // 127/8, loopback
    '127.0.0.1',
    '127.0.1.1',
    '127.255.255.255',
    // 169.254/16, link-local and the instance metadata service
    '169.254.0.1',
    '169.254.169.254',
    '169.254.170.2',
    '169.254.255.255',
    // 172.16/12
    '172.16.0.0',
    '172.20.10.1',
    '172.31.255.255',
    // 192.0.0/24, IETF assignments
    '192.0.0.0',
    '192.0.0.170',
    '192.0.0.255',
    // 192.168/16
    '192.168.0.1',
    '192.168.255.255',
    // 198.18/15, benchmarking
    '198.18.0.0',
    '198.19.255.255',
    // 224/4 multicast, 240/4 reserved, broadcast
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '250.1.2.3',
    '255.255.255.255',
    // documentation ranges and the 6to4 relay anycast
    '192.0.2.1',
    '198.51.100.7',
    '203.0.113.9',
    '192.88.99.1',
    // IPv6 unspecified, loopback, unique local, link-local, multicast
    '::',
    '::1',
    '0:0:0:0:0:0:0:1',
    '[::1]',
    'fc00::1',
    'fd00::1',
    'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    'fe80::1',
    'fe80::1%eth0',
    'febf:ffff::1',
    'ff00::',
    'ff02::1',
    'ff0e::1',
    // IPv4-mapped: judged by the IPv4 address inside, in either spelling
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:192.168.1.1',
    // NAT64 with a private IPv4 inside
    '64:ff9b::127.0.0.1',
    '64:ff9b::a00:1',
    '64:ff9b::169.254.169.254',
    // IPv4-compatible (deprecated), local-use NAT64, 6to4 of a private address
    '::127.0.0.1',
    '::8.8.8.8',
    '64:ff9b:1::1',
    '2002:a00:1::1',
    '2002:7f00:1::',
    // Teredo, other IETF protocol space, documentation
    '2001::1',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    '2001:db8::1',
    '3fff::1',
    // deprecated site-local, and the rest outside 2000::/3
    'fec0::1',
    '100::1',
    // not IP addresses at all
    '',
    'localhost',
    'example.com',
    '127.1',
    '2130706433',
    '0x7f.1',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '::ffff:1.2.3.4.5',
    '1:2:3:4:5:6:7:8:9',
  ])('refuses %j', (ip) => {
    // Prepare: the table row.
    // Act
    const allowed = isPublicAddress(ip);
    // Assess
    expect(allowed).toBe(false);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '93.184.216.34',
    // just outside each private range
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    // IPv6 global unicast, and IPv4-carrying forms of public addresses
    '2606:4700:4700::1111',
    '2a00:1450:4001:82b::200e',
    '[2606:4700:4700::1001]',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('allows the public address %j', (ip) => {
    // Prepare: the table row.
    // Act
    const allowed = isPublicAddress(ip);
    // Assess
    expect(allowed).toBe(true);
  });
});

describe('isHostAllowed', () => {
  it.each([
    ['api.example.com', ['api.example.com'], true],
    ['API.Example.COM', ['api.example.com'], true],
    ['api.example.com', ['API.EXAMPLE.COM'], true],
    ['api.example.com.', ['api.example.com'], true],
    ['api.example.com', ['api.example.com.'], true],
    ['api.example.com', ['example.com'], false],
    ['example.com', ['api.example.com'], false],
    ['api.example.com', [], false],
    ['api.example.com', ['other.org', 'api.example.com'], true],
    // wildcards: subdomains only, at any depth, and never the bare domain
    ['a.example.com', ['*.example.com'], true],
    ['a.b.example.com', ['*.example.com'], true],
    ['example.com', ['*.example.com'], false],
    ['evilexample.com', ['*.example.com'], false],
    ['evil-example.com', ['*.example.com'], false],
    ['example.com.evil.net', ['*.example.com'], false],
    ['a.example.com.evil.net', ['*.example.com'], false],
    ['anything.com', ['*'], false],
    ['a.example.com', ['*example.com'], false],
    // entries that are not bare hosts match nothing
    ['example.com', ['example.com:8080'], false],
    ['example.com', ['http://example.com'], false],
    ['example.com', ['example.com/path'], false],
    ['example.com', ['user@example.com'], false],
    // IP literals: exact match on the canonical address, never through a wildcard
    ['127.0.0.1', ['127.0.0.1'], true],
    ['127.0.0.1', ['127.1'], true],
    ['127.0.0.1', ['2130706433'], true],
    ['127.0.0.1', ['*.0.0.1'], false],
    ['127.0.0.2', ['127.0.0.1'], false],
    ['[::1]', ['::1'], true],
    ['[::1]', ['[::1]'], true],
    ['[::ffff:7f00:1]', ['::ffff:127.0.0.1'], true],
    ['[::1]', ['127.0.0.1'], false],
    // international names compare in punycode
    ['xn--bcher-kva.de', ['bücher.de'], true],
    ['shop.xn--bcher-kva.de', ['*.bücher.de'], true],
  ])('host %j with allow-list %j: %s', (host, allowedHosts, expected) => {
    // Prepare: the table row.
    // Act
    const allowed = isHostAllowed(host, allowedHosts);
    // Assess
    expect(allowed).toBe(expected);
  });

  it.each([
    ['127.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['[::FFFF:127.0.0.1]', '::ffff:7f00:1'],
    ['Example.COM.', 'example.com'],
    ['example.com:80', undefined],
    ['', undefined],
  ])('canonicalHost(%j) is %j', (host, expected) => {
    // Prepare: the table row.
    // Act
    const canonical = canonicalHost(host);
    // Assess
    expect(canonical).toBe(expected);
  });
});

type Resolver = (hostname: string) => Promise<string[]>;

function contextWith(allowedHosts: string[], resolveHost: Resolver): ToolContext {
  return {
    agentId: 'agent-1',
    taskId: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
    allowedHosts,
    signal: new AbortController().signal,
    services: {
      workspace: () => {
        throw new Error('http.fetch must not touch a workspace');
      },
      resolveHost,
    },
  };
}

const neverResolves: Resolver = (hostname) =>
  Promise.reject(new Error(`no DNS in this test (asked for ${hostname})`));

/** Runs the default catalogue configuration of http.fetch and returns how it was refused. */
async function refusedFetch(
  input: Record<string, unknown>,
  allowedHosts: string[],
  resolveHost: Resolver = neverResolves,
  options: Parameters<typeof createHttpFetchTool>[0] = {},
): Promise<Error> {
  const tool = createHttpFetchTool(options);
  network.requests.length = 0;
  try {
    await tool.run(tool.input.parse(input), contextWith(allowedHosts, resolveHost));
  } catch (error) {
    expect(network.requests).toHaveLength(0);
    return error as Error;
  }
  throw new Error('expected http.fetch to refuse');
}

describe('http.fetch refuses before connecting', () => {
  it('refuses a host that is not on the allow-list, without resolving it', async () => {
    // Prepare
    const resolveHost = vi.fn(neverResolves);
    // Act
    const error = await refusedFetch({ url: 'https://example.com/' }, ['example.org'], resolveHost);
    // Assess
    expect(error).toBeInstanceOf(ToolInputError);
    expect(error.message).toMatch(/not in this agent's network allow-list/);
    expect(resolveHost).not.toHaveBeenCalled();
  });

  it.each([
    'file:///etc/passwd',
    'ftp://example.com/x',
    'gopher://example.com/',
    'data:text/plain,hello',
    'javascript:alert(1)',
    'ws://example.com/',
  ])('refuses the scheme of %j', async (url) => {
    // Prepare: the table row.
    // Act
    const error = await refusedFetch({ url }, ['example.com']);
    // Assess
    expect(error).toBeInstanceOf(ToolInputError);
    expect(error.message).toMatch(/only http: and https:/);
  });

  it.each(['not a url', 'http://', 'http://exa mple.com/', '//example.com/x'])(
    'refuses the malformed URL %j',
    async (url) => {
      // Prepare: the table row.
      // Act
      const error = await refusedFetch({ url }, ['example.com']);
      // Assess
      expect(error).toBeInstanceOf(ToolInputError);
    },
  );

  it('refuses credentials in the URL', async () => {
    // Prepare
    const url = 'http://user:secret@example.com/';
    // Act
    const error = await refusedFetch({ url }, ['example.com']);
    // Assess
    expect(error).toBeInstanceOf(ToolInputError);
    expect(error.message).toMatch(/credentials/);
  });

  it.each([
    'http://127.0.0.1/',
    'http://127.0.0.1:8080/admin',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0x7f.1/',
    'http://0x7F.0.0.1/',
    'http://017700000001/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://127.0.1/',
    'http://0/',
    'http://0.0.0.0/',
    'http://10.0.0.1/',
    'http://167772161/',
    'http://192.168.1.1/',
    'http://172.16.0.1/',
    'http://100.64.0.1/',
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://2852039166/latest/meta-data/',
    'http://0xa9fea9fe/',
    'http://0251.0376.0251.0376/',
    'http://169.254.43518/',
    'http://[::1]/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[64:ff9b::169.254.169.254]/',
    'http://[64:ff9b::a00:1]/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'https://[ff02::1]/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
  ])('refuses the IP literal %j even when it is on the allow-list', async (url) => {
    // Prepare: the allow-list names the very address, in its canonical form.
    const resolveHost = vi.fn(neverResolves);
    const allowedHosts = [canonicalHost(new URL(url).hostname)!];
    // Act
    const error = await refusedFetch({ url }, allowedHosts, resolveHost);
    // Assess
    expect(error).toBeInstanceOf(ToolInputError);
    expect(error.message).toMatch(/not a public address/);
    expect(resolveHost).not.toHaveBeenCalled();
  });

  it.each(['http://8.8.8.8/', 'http://134744072/', 'http://[2606:4700:4700::1111]/'])(
    'refuses the public IP literal %j unless the allow-list names it',
    async (url) => {
      // Prepare
      const allowedHosts = ['dns.google', '*.8.8.8'];
      // Act
      const error = await refusedFetch({ url }, allowedHosts);
      // Assess
      expect(error).toBeInstanceOf(ToolInputError);
      expect(error.message).toMatch(/allow-list/);
    },
  );

  it.each([
    ['10.0.0.7'],
    ['127.0.0.1'],
    ['169.254.169.254'],
    ['100.64.1.1'],
    ['::1'],
    ['fd00::5'],
    ['::ffff:192.168.0.10'],
    ['64:ff9b::169.254.169.254'],
  ])('refuses a name that resolves to the private address %s', async (address) => {
    // Prepare
    const resolveHost = vi.fn(async () => [address]);
    // Act
    const error = await refusedFetch(
      { url: 'https://api.example.com/v1' },
      ['*.example.com'],
      resolveHost,
    );
    // Assess
    expect(error).toBeInstanceOf(ToolInputError);
    expect(error.message).toMatch(/resolves to .* not a public address/);
    expect(resolveHost).toHaveBeenCalledWith('api.example.com');
  });

  it.each([
    [['93.184.216.34', '10.0.0.1']],
    [['10.0.0.1', '93.184.216.34']],
    [['2606:2800:220:1:248:1893:25c8:1946', '::1']],
    [['93.184.216.34', '2606:2800:220:1::1', '169.254.169.254']],
  ])('refuses a name with several addresses when one is private: %j', async (addresses) => {
    // Prepare
    const resolveHost = async () => addresses;
    // Act
    const error = await refusedFetch(
      { url: 'https://api.example.com/' },
      ['api.example.com'],
      resolveHost,
    );
    // Assess
    expect(error).toBeInstanceOf(ToolInputError);
    expect(error.message).toMatch(/not a public address/);
  });

  it('applies a custom policy to every address, not only the first', async () => {
    // Prepare: a policy that lets loopback through, as the integration tests use.
    const options = { isAddressAllowed: (ip: string) => ip === '127.0.0.1' };
    const resolveHost = async () => ['127.0.0.1', '169.254.169.254'];
    // Act
    const error = await refusedFetch(
      { url: 'http://api.test/' },
      ['api.test'],
      resolveHost,
      options,
    );
    // Assess
    expect(error).toBeInstanceOf(ToolInputError);
    expect(error.message).toMatch(/169\.254\.169\.254/);
  });

  it.each([
    ['a resolver that fails', neverResolves, /could not resolve/],
    ['a resolver with no answer', async () => [], /no addresses/],
  ])('reports %s as a fetch error', async (_label, resolveHost, reason) => {
    // Prepare: the table row.
    // Act
    const error = await refusedFetch(
      { url: 'https://api.example.com/' },
      ['api.example.com'],
      resolveHost,
    );
    // Assess
    expect(error).toBeInstanceOf(HttpFetchError);
    expect(error.message).toMatch(reason);
  });
});

describe('the test harness', () => {
  it('records a connection attempt, so the refusals above mean no connection was tried', async () => {
    // Prepare: a public answer, which the policy lets through to the (replaced) transport.
    const tool = createHttpFetchTool();
    const context = contextWith(['api.example.com'], async () => ['93.184.216.34']);
    network.requests.length = 0;
    // Act
    const outcome = tool.run(tool.input.parse({ url: 'http://api.example.com/' }), context);
    // Assess
    await expect(outcome).rejects.toThrow(/network must not be reached/);
    expect(network.requests).toHaveLength(1);
  });
});

describe('http.fetch input schema', () => {
  const tool = createHttpFetchTool();

  it.each([
    [{ url: 'https://example.com/', method: 'PUT' }],
    [{ url: 'https://example.com/', method: 'GET', body: 'x' }],
    [{ url: 'https://example.com/', method: 'HEAD', body: 'x' }],
    [{ url: 'https://example.com/', method: 'POST', body: 'x'.repeat(64 * 1024 + 1) }],
    [{ url: 'https://example.com/', headers: { Host: 'internal' } }],
    [{ url: 'https://example.com/', headers: { 'Transfer-Encoding': 'chunked' } }],
    [{ url: 'https://example.com/', headers: { 'x-a': 'one\r\nInjected: yes' } }],
    [{ url: 'https://example.com/', headers: { 'bad name': 'x' } }],
    [{ url: 'https://example.com/', follow: false }],
    [{ url: '' }],
  ])('rejects %j', (input) => {
    // Prepare: the table row.
    // Act
    const parsed = tool.input.safeParse(input);
    // Assess
    expect(parsed.success).toBe(false);
  });

  it('accepts a POST with a body of exactly 64 KiB and defaults the method to GET', () => {
    // Prepare
    const post = { url: 'https://example.com/', method: 'POST', body: 'x'.repeat(64 * 1024) };
    // Act
    const parsedPost = tool.input.safeParse(post);
    const parsedGet = tool.input.parse({ url: 'https://example.com/' }) as { method: string };
    // Assess
    expect(parsedPost.success).toBe(true);
    expect(parsedGet.method).toBe('GET');
  });
});

/**
 * A `fetch` whose every connection goes to an address the address policy allowed: the URL's
 * host is resolved and checked (shared/core/tools/address-policy.ts), and the socket is given
 * that very address, so a second DNS answer (rebinding) can never lead it elsewhere. Redirects
 * are not followed here: each one comes back as a response, and whoever follows it asks again.
 * Used for MCP servers, whose transport takes a fetch of its own.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { ipFamilyOf, resolveCheckedAddress } from '../core/tools/address-policy.js';

export interface PinnedFetchPolicy {
  /** Every address of a host, e.g. dns.lookup with all: true. */
  resolveHost(host: string): Promise<string[]>;
  /** Whether an address may be connected to. */
  isAddressAllowed(ip: string): boolean;
}

export type PinnedFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export function pinnedFetch(policy: PinnedFetchPolicy): PinnedFetch {
  return async (input, init = {}) => {
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`only http: and https: URLs are fetched, not ${url.protocol}`);
    }
    init.signal?.throwIfAborted();
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const { address, family } = await resolveCheckedAddress(
      hostname,
      (host) => policy.resolveHost(host),
      (ip) => policy.isAddressAllowed(ip),
    );
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    const body =
      init.body === undefined || init.body === null
        ? undefined
        : Buffer.from(await new Response(init.body).arrayBuffer());
    if (body) headers.set('content-length', String(body.byteLength));
    // Whatever name the socket asks for, it gets the address that passed the policy.
    const lookup: LookupFunction = (_host, options, callback) => {
      if (options.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    };
    const isHttps = url.protocol === 'https:';
    return new Promise<Response>((resolve, reject) => {
      const request = (isHttps ? https : http).request(
        {
          protocol: url.protocol,
          hostname,
          port: url.port === '' ? (isHttps ? 443 : 80) : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method,
          headers: Object.fromEntries(headers),
          lookup,
          // A fresh connection per request: no pooled socket from another lookup is reused.
          agent: false,
          ...(init.signal ? { signal: init.signal } : {}),
          ...(isHttps && ipFamilyOf(hostname) === undefined ? { servername: hostname } : {}),
        },
        (response) => {
          const status = response.statusCode ?? 0;
          const answered = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            for (const one of [value ?? []].flat()) answered.append(name, one);
          }
          const empty = method === 'HEAD' || status === 204 || status === 304;
          if (empty) response.resume();
          resolve(
            new Response(empty ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), {
              status,
              statusText: response.statusMessage ?? '',
              headers: answered,
            }),
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  };
}

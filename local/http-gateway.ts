/**
 * The local stand-in for API Gateway's HTTP API: matches a request to a topology route, runs the
 * authorizer function, and invokes the route's function with an API Gateway v2 (payload 2.0)
 * event. What the handler answers goes back to the client unchanged.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import type { LambdaHost } from './lambda-host.js';
import type { LocalRoute } from './wiring.js';

/** API Gateway refuses larger payloads itself; the handlers refuse anything over 256 KiB. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

interface CompiledRoute extends LocalRoute {
  regex: RegExp;
  params: string[];
}

function compile(route: LocalRoute): CompiledRoute {
  const params: string[] = [];
  const pattern = route.path
    .split('/')
    .map((part) => {
      const match = /^\{(\w+)\}$/.exec(part);
      if (!match?.[1]) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(match[1]);
      return '([^/]+)';
    })
    .join('/');
  return { ...route, regex: new RegExp(`^${pattern}$`), params };
}

export class HttpGateway {
  private readonly routes: CompiledRoute[];

  constructor(
    routes: LocalRoute[],
    private readonly authorizer: string | undefined,
    private readonly host: LambdaHost,
    private readonly onError: (error: unknown) => void,
  ) {
    this.routes = routes.map(compile);
  }

  /** Answers the request if it is for an API route; returns false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    const candidates = this.routes.filter((r) => r.regex.test(url.pathname));
    if (candidates.length === 0) return false;
    const requestId = randomUUID();
    const route = candidates.find((r) => r.method === method);
    if (!route) {
      send(res, 404, contractError('NotFound', `no route ${method} ${url.pathname}`, requestId));
      return true;
    }

    const body = await readBody(req, GATEWAY_MAX_BODY_BYTES);
    if (body === 'too-large') {
      send(
        res,
        413,
        contractError('PayloadTooLarge', 'request body is larger than 10 MiB', requestId),
      );
      return true;
    }

    const match = route.regex.exec(url.pathname);
    const { pathParameters, badEscapes } = decodePathParameters(route.params, match);
    if (badEscapes.length > 0) {
      const details = badEscapes.map((name) => ({
        path: name,
        message: 'not a valid percent-encoded UTF-8 path segment',
      }));
      send(
        res,
        400,
        contractError(
          'ValidationError',
          `bad % escape in the path: ${badEscapes.join(', ')}`,
          requestId,
          details,
        ),
      );
      return true;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined)
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    }
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams)
      query[name] = query[name] ? `${query[name]},${value}` : value;
    const now = new Date();
    const requestContext = {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    };

    try {
      let authorizer: Record<string, unknown> | undefined;
      if (route.auth && this.authorizer) {
        const authEvent: APIGatewayRequestAuthorizerEventV2 = {
          version: '2.0',
          type: 'REQUEST',
          routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${method}${url.pathname}`,
          identitySource: headers.authorization ? [headers.authorization] : [],
          routeKey: route.routeKey,
          rawPath: url.pathname,
          rawQueryString: url.search.slice(1),
          cookies: [],
          headers,
          queryStringParameters: query,
          requestContext,
          pathParameters,
          stageVariables: {},
        };
        const decision = await this.host.invoke<
          APIGatewaySimpleAuthorizerWithContextResult<Record<string, unknown>>
        >(this.authorizer, authEvent);
        if (!decision.isAuthorized) {
          send(res, 403, JSON.stringify({ message: 'Forbidden' }));
          return true;
        }
        authorizer = { lambda: decision.context };
      }
      const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
        version: '2.0',
        routeKey: route.routeKey,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        queryStringParameters: Object.keys(query).length ? query : undefined,
        pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
        requestContext: { ...requestContext, ...(authorizer ? { authorizer } : {}) },
        body: body.length ? body.toString('utf8') : undefined,
        isBase64Encoded: false,
      };
      const result = await this.host.invoke<APIGatewayProxyStructuredResultV2>(
        route.functionName,
        event,
      );
      res.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>);
      res.end(result.body ?? '');
    } catch (error) {
      // What API Gateway does when a function fails: a 500 with no detail.
      this.onError(error);
      send(res, 500, contractError('InternalError', 'internal error', requestId));
    }
    return true;
  }
}

export function contractError(
  code: string,
  message: string,
  requestId: string,
  details?: { path: string; message: string }[],
): string {
  return JSON.stringify({ error: { code, message, ...(details ? { details } : {}) }, requestId });
}

/**
 * The route's path parameters, decoded as API Gateway hands them to a function, and the names of
 * those whose `%` escapes are no UTF-8 (`decodeURIComponent` throws on them): the caller's
 * mistake, answered 400 rather than a 500 from a thrown URIError.
 */
function decodePathParameters(
  names: string[],
  match: RegExpExecArray | null,
): { pathParameters: Record<string, string>; badEscapes: string[] } {
  const pathParameters: Record<string, string> = {};
  const badEscapes: string[] = [];
  names.forEach((name, i) => {
    try {
      pathParameters[name] = decodeURIComponent(match?.[i + 1] ?? '');
    } catch {
      badEscapes.push(name);
    }
  });
  return { pathParameters, badEscapes };
}

export function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(body);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

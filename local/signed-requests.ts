/**
 * Only the runtime itself may call its internal AWS endpoints (DynamoDB, SQS, EventBridge,
 * Secrets Manager, Step Functions, API Gateway Management): every request must carry an AWS
 * Signature Version 4 made with the credentials the runtime drew at start. The signature is
 * recomputed by the SDK's own signer (@smithy/signature-v4) over the request as received (method,
 * path, query, the signed headers, which must include host and x-amz-date, and the body's
 * SHA-256), and x-amz-date must be within a few minutes of now. Anything else is answered 403 in
 * the AWS error shape of the protocol the request spoke, and reaches no emulator.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ResourceCredentials } from '../shared/adapters/clients/resource-credentials.js';

/** AWS allows 15 minutes; the runtime's clients sign each request just before sending it. */
const MAX_SKEW_MS = 5 * 60_000;

/** Fresh credentials for one start of the runtime: 20 characters of id, 240 bits of secret. */
export function newResourceCredentials(): ResourceCredentials {
  return {
    accessKeyId: `AKLC${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
}

export interface SignedRequest {
  method: string;
  /** The request target as received: path and query, still percent-encoded. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type RefusalCode =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException';

export interface Refusal {
  code: RefusalCode;
  message: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const refusal = (code: RefusalCode, message: string): Refusal => ({ code, message });

export class SignatureVerifier {
  private readonly signer: SignatureV4;

  constructor(
    private readonly credentials: ResourceCredentials,
    private readonly now: () => number = Date.now,
  ) {
    // Region and service come from each request's credential scope. applyChecksum off: the
    // signer must not add an x-amz-content-sha256 header the client did not sign.
    this.signer = new SignatureV4({
      credentials,
      region: 'us-east-1',
      service: 'unused',
      sha256: Sha256,
      applyChecksum: false,
    });
  }

  /** Undefined when the request is signed by the runtime's credentials; else why it is not. */
  async verify(request: SignedRequest): Promise<Refusal | undefined> {
    const header = request.headers.authorization;
    if (!header) {
      return refusal(
        'MissingAuthenticationTokenException',
        'Request is missing Authentication Token',
      );
    }
    const match = AUTHORIZATION.exec(header);
    if (!match) {
      return refusal(
        'IncompleteSignatureException',
        'Authorization header is not an AWS4-HMAC-SHA256 signature',
      );
    }
    const [
      ,
      accessKeyId = '',
      day = '',
      region = '',
      service = '',
      signedHeaders = '',
      signature = '',
    ] = match;
    if (!safeEqual(accessKeyId, this.credentials.accessKeyId)) {
      return refusal(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    const names = signedHeaders.split(';');
    if (!names.includes('host') || !names.includes('x-amz-date')) {
      return refusal('InvalidSignatureException', "'Host' and 'X-Amz-Date' must be signed headers");
    }
    const amzDate = String(request.headers['x-amz-date'] ?? '');
    const signedAt = AMZ_DATE.test(amzDate)
      ? Date.parse(amzDate.replace(AMZ_DATE, '$1-$2-$3T$4:$5:$6Z'))
      : Number.NaN;
    if (Number.isNaN(signedAt)) {
      return refusal(
        'IncompleteSignatureException',
        "X-Amz-Date must be in ISO-8601 'basic format'",
      );
    }
    if (amzDate.slice(0, 8) !== day) {
      return refusal(
        'InvalidSignatureException',
        'Date in Credential scope does not match the date of X-Amz-Date',
      );
    }
    if (Math.abs(this.now() - signedAt) > MAX_SKEW_MS) {
      return refusal(
        'InvalidSignatureException',
        `Signature expired: ${amzDate} is more than ${MAX_SKEW_MS / 60_000} minutes from the current time`,
      );
    }
    // A client may state the body's hash; the signature then covers that header, so it must be
    // the hash of the body actually received.
    const claimedHash = request.headers['x-amz-content-sha256'];
    if (
      claimedHash !== undefined &&
      claimedHash !== createHash('sha256').update(request.body).digest('hex')
    ) {
      return refusal(
        'InvalidSignatureException',
        'The provided x-amz-content-sha256 header does not match what was computed.',
      );
    }
    const headers: Record<string, string> = {};
    for (const name of names) {
      const value = request.headers[name];
      if (value === undefined) {
        return refusal('InvalidSignatureException', `signed header ${name} is missing`);
      }
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const target = parseTarget(request.url);
    if (!target) return refusal('InvalidSignatureException', 'malformed request target');
    const expected = await this.signer.sign(
      new HttpRequest({
        method: request.method,
        protocol: 'http:',
        hostname: headers.host,
        path: target.path,
        query: target.query,
        headers,
        body: request.body.length ? request.body : undefined,
      }),
      {
        signingDate: new Date(signedAt),
        signingRegion: region,
        signingService: service,
        signableHeaders: new Set(names),
      },
    );
    const computed = AUTHORIZATION.exec(String(expected.headers.authorization ?? ''));
    if (!computed || computed[5] !== signedHeaders || !safeEqual(computed[6] ?? '', signature)) {
      return refusal(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided.',
      );
    }
    return undefined;
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Path (as sent) and decoded query parameters, the way the SDK's signer saw them. */
function parseTarget(
  url: string,
): { path: string; query: Record<string, string | string[]> } | undefined {
  const at = url.indexOf('?');
  const path = at < 0 ? url : url.slice(0, at);
  const search = at < 0 ? '' : url.slice(at + 1);
  const query: Record<string, string | string[]> = {};
  try {
    for (const pair of search.split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
      const previous = query[key];
      query[key] =
        previous === undefined
          ? value
          : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
  } catch {
    return undefined;
  }
  return { path, query };
}

/**
 * The 403 a refused request gets, in the error shape of the protocol it spoke: AWS JSON 1.0/1.1
 * (`__type`), the Query protocol (XML), or REST-JSON (`x-amzn-ErrorType` and `message`).
 */
export function refusalResponse(
  refused: Refusal,
  contentType: string | undefined,
): { status: 403; headers: Record<string, string>; body: string } {
  const json = /application\/x-amz-json-1\.[01]/.exec(contentType ?? '')?.[0];
  if (json) {
    return {
      status: 403,
      headers: { 'content-type': json, 'x-amzn-errortype': refused.code },
      body: JSON.stringify({ __type: refused.code, message: refused.message }),
    };
  }
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return {
      status: 403,
      headers: { 'content-type': 'text/xml' },
      body:
        `<ErrorResponse><Error><Type>Sender</Type><Code>${refused.code}</Code>` +
        `<Message>${escapeXml(refused.message)}</Message></Error></ErrorResponse>`,
    };
  }
  return {
    status: 403,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': refused.code },
    body: JSON.stringify({ message: refused.message }),
  };
}

const escapeXml = (text: string): string =>
  text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Answers a refused request on a plain Node response. */
export function sendRefusal(req: IncomingMessage, res: ServerResponse, refused: Refusal): void {
  const answer = refusalResponse(refused, req.headers['content-type']);
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

/**
 * Reads a whole body, up to `maxBytes` (undefined beyond). Rejects when the client goes away
 * mid-body; callers answer nothing then.
 */
export async function readBody(stream: Readable, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Puts signature verification in front of an emulator's own request listener (dynalite's): the
 * body is read whole and verified, and only a signed request reaches the emulator, as a replay
 * of what was received. A client that goes away mid-request is dropped without an answer.
 */
export function verifiedListener(
  verifier: SignatureVerifier,
  listener: Listener,
  maxBytes: number,
): Listener {
  return (req, res) => {
    readBody(req, maxBytes)
      .then(async (body) => {
        if (body === undefined) {
          res.writeHead(413, { connection: 'close' });
          res.end();
          return;
        }
        const { method = 'GET', url = '/', headers } = req;
        const refused = await verifier.verify({ method, url, headers, body });
        if (refused) {
          sendRefusal(req, res, refused);
          return;
        }
        const replay = Object.assign(new PassThrough(), {
          method,
          url,
          headers,
          rawHeaders: req.rawHeaders,
          httpVersion: req.httpVersion,
          socket: req.socket,
        });
        listener(replay as unknown as IncomingMessage, res);
        replay.end(body);
      })
      .catch(() => res.destroy());
  };
}

/**
 * Requests to the local runtime's internal AWS endpoints, one per protocol they speak, built by
 * hand and signed (or not) the way an attacker would try: unsigned, signed with other
 * credentials, a signed request replayed after the allowed clock skew, and a signed request whose
 * body was changed on the way. Shared by the integration and e2e tests of signed-requests.ts.
 */
import { randomBytes } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { expect } from 'vitest';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Probe {
  /** The endpoint it stands for, as the tests name it. */
  name: string;
  signingService: string;
  protocol: 'awsJson1_0' | 'awsJson1_1' | 'restJson';
  method: 'POST' | 'GET';
  path: string;
  target?: string;
  body: string;
}

const json10 = 'application/x-amz-json-1.0';
const json11 = 'application/x-amz-json-1.1';

/** One harmless operation of each internal endpoint; the body is what a tamperer edits. */
export const PROBES: Probe[] = [
  {
    name: 'DynamoDB',
    signingService: 'dynamodb',
    protocol: 'awsJson1_0',
    method: 'POST',
    path: '/',
    target: 'DynamoDB_20120810.ListTables',
    body: JSON.stringify({ Limit: 10 }),
  },
  {
    name: 'SQS',
    signingService: 'sqs',
    protocol: 'awsJson1_0',
    method: 'POST',
    path: '/',
    target: 'AmazonSQS.ListQueues',
    body: JSON.stringify({ MaxResults: 10 }),
  },
  {
    name: 'EventBridge',
    signingService: 'events',
    protocol: 'awsJson1_1',
    method: 'POST',
    path: '/',
    target: 'AWSEvents.PutEvents',
    body: JSON.stringify({
      Entries: [
        {
          // Not the runtime's bus: even when accepted, the entry is refused and goes nowhere.
          EventBusName: 'not-the-bus',
          Source: 'agent-core.probe',
          DetailType: 'probe',
          Detail: '{"version":1}',
        },
      ],
    }),
  },
  {
    name: 'Secrets Manager',
    signingService: 'secretsmanager',
    protocol: 'awsJson1_1',
    method: 'POST',
    path: '/',
    target: 'secretsmanager.GetSecretValue',
    body: JSON.stringify({ SecretId: 'agent-core/admin-api-key' }),
  },
  {
    name: 'Step Functions',
    signingService: 'states',
    protocol: 'awsJson1_0',
    method: 'POST',
    path: '/',
    target: 'AWSStepFunctions.DescribeExecution',
    body: JSON.stringify({
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:agent-core-workflow-runner:x',
    }),
  },
  {
    name: 'EventBridge Scheduler',
    signingService: 'scheduler',
    protocol: 'restJson',
    method: 'POST',
    path: '/schedules/probe',
    // CreateSchedule without a target: even when accepted, it is refused and creates nothing.
    body: JSON.stringify({ GroupName: 'agent-core', ScheduleExpression: 'rate(1 minute)' }),
  },
  {
    name: 'API Gateway Management',
    signingService: 'execute-api',
    protocol: 'restJson',
    method: 'POST',
    path: '/@connections/probe%3D',
    body: JSON.stringify({ type: 'probe' }),
  },
];

export type Variant = 'unsigned' | 'other credentials' | 'stale replay' | 'tampered body';
export const VARIANTS: Variant[] = [
  'unsigned',
  'other credentials',
  'stale replay',
  'tampered body',
];

export const otherCredentials = (): Credentials => ({
  accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64url'),
});

/** Longer ago than the endpoints accept (five minutes): a request captured then, sent now. */
const STALE_MS = 6 * 60_000;

export interface BuiltRequest {
  url: string;
  init: { method: string; headers: Record<string, string>; body?: string };
}

/** The probe sent to `endpoint`, signed with `credentials` (none: unsigned). */
export async function buildRequest(
  probe: Probe,
  endpoint: string,
  credentials: Credentials | undefined,
  options: { signingDate?: Date; body?: string } = {},
): Promise<BuiltRequest> {
  const url = new URL(probe.path, endpoint);
  const headers: Record<string, string> = {
    host: url.host,
    'content-type':
      probe.protocol === 'awsJson1_0'
        ? json10
        : probe.protocol === 'awsJson1_1'
          ? json11
          : 'application/json',
    ...(probe.target ? { 'x-amz-target': probe.target } : {}),
  };
  let signedHeaders = headers;
  if (credentials) {
    const signer = new SignatureV4({
      credentials,
      region: 'us-east-1',
      service: probe.signingService,
      sha256: Sha256,
    });
    const signed = await signer.sign(
      new HttpRequest({
        method: probe.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: probe.path,
        headers,
        body: probe.body,
      }),
      { signingDate: options.signingDate ?? new Date() },
    );
    signedHeaders = signed.headers as Record<string, string>;
  }
  // fetch sets host and content-length itself; the signature covered the same values.
  const { host: _host, ...sent } = signedHeaders;
  return {
    url: url.href,
    init: { method: probe.method, headers: sent, body: options.body ?? probe.body },
  };
}

/** The probe as `variant` makes it; `runtime` is the credentials the endpoints accept. */
export function attack(
  probe: Probe,
  endpoint: string,
  variant: Variant,
  runtime: Credentials,
): Promise<BuiltRequest> {
  switch (variant) {
    case 'unsigned':
      return buildRequest(probe, endpoint, undefined);
    case 'other credentials':
      return buildRequest(probe, endpoint, otherCredentials());
    case 'stale replay':
      return buildRequest(probe, endpoint, runtime, {
        signingDate: new Date(Date.now() - STALE_MS),
      });
    case 'tampered body':
      return buildRequest(probe, endpoint, runtime, { body: tamper(probe.body) });
  }
}

/** The same body with one character changed, so its length (and content-length) stays. */
export function tamper(body: string): string {
  const at = body.lastIndexOf('1');
  return at >= 0 ? `${body.slice(0, at)}2${body.slice(at + 1)}` : `${body.slice(0, -2)}x}`;
}

export async function send(
  request: BuiltRequest,
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(request.url, request.init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const REFUSALS = [
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
];

/** A 403 in the error shape of the probe's protocol, naming an authentication failure. */
export function expectRefused(
  probe: Probe,
  answer: { status: number; headers: Headers; text: string },
  what: string,
): void {
  expect(answer.status, what).toBe(403);
  const type = answer.headers.get('x-amzn-errortype');
  expect(REFUSALS, what).toContain(type);
  const body = JSON.parse(answer.text) as { __type?: string; message?: string };
  expect(typeof body.message, what).toBe('string');
  if (probe.protocol === 'restJson') {
    expect(answer.headers.get('content-type'), what).toBe('application/json');
    expect(body.__type, what).toBeUndefined();
  } else {
    expect(answer.headers.get('content-type'), what).toBe(
      probe.protocol === 'awsJson1_0' ? json10 : json11,
    );
    expect(body.__type, what).toBe(type);
  }
}

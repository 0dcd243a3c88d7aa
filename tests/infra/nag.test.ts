/**
 * cdk-nag's AwsSolutions pack on the synthesized app: no finding, error or warning, may be left
 * unacknowledged; every acknowledgement carries a reason and answers a finding that really
 * exists, so none can linger after the finding is fixed.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it, vi } from 'vitest';
import { buildApp, STACK_NAME } from '../../infra/app.js';
import { AgentCoreStack } from '../../infra/stack.js';
import { WITHOUT_BUNDLING } from './synthesized-stack.js';

/**
 * A synth that bundles the functions takes ~20 s on an idle 2-core machine, several times that
 * when the other test files (or other work) share its cores: the bound is for a hang, not speed.
 */
const SYNTH_TIMEOUT_MS = 240_000;

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: {
      ruleName: string;
      severity?: string;
      violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}

interface Finding {
  rule: string;
  severity: string | undefined;
  path: string;
}

interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

/**
 * Synthesizes as `cdk synth` does, with the nag plugin, and returns every finding of CDK's
 * validation report. Under vitest, synth throws on error-level findings; the report is written
 * first, so it is read either way.
 */
function synthFindings(app: App, outdir: string): { findings: Finding[]; error?: Error } {
  let error: Error | undefined;
  try {
    app.synth();
  } catch (e) {
    error = e as Error;
  }
  const report = JSON.parse(
    readFileSync(join(outdir, 'validation-report.json'), 'utf8'),
  ) as ValidationReport;
  const findings = report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => ({
        rule: v.ruleName,
        severity: v.severity,
        path: c.constructPath,
      })),
    ),
  );
  return { findings, error };
}

const freshOutdir = () => mkdtempSync(join(tmpdir(), 'agent-core-nag-'));

/** Every `Validations.of(...).acknowledge(...)` in the tree, from the metadata it records. */
function acknowledgementsIn(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([key, reason]) => ({
        path: construct.node.path,
        // CDK files rules without a known namespace under `Annotation::`; cdk-nag strips it too.
        id: key.replace(/^annotation::/i, ''),
        reason,
      })),
  );
}

/** What AwsSolutions finds in the stack when no acknowledgement is made at all. */
function rawFindings(): Finding[] {
  const acknowledge = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => {});
  try {
    const app = new App({ outdir: freshOutdir(), context: WITHOUT_BUNDLING });
    new AgentCoreStack(app, STACK_NAME);
    app.synth();
    return new AwsSolutionsChecks().validateScope(app).violations.flatMap((v) =>
      v.violatingResources.map((r) => ({
        rule: v.ruleName,
        severity: v.severity,
        path: r.constructPath ?? '',
      })),
    );
  } finally {
    acknowledge.mockRestore();
  }
}

describe('cdk-nag AwsSolutions', () => {
  it(
    'reports no finding, error or warning, on the app',
    () => {
      // Bundles the functions, as `cdk synth` does.
      const outdir = freshOutdir();
      const { findings, error } = synthFindings(buildApp({ outdir }).app, outdir);
      expect(error).toBeUndefined();
      expect(findings).toEqual([]);
    },
    SYNTH_TIMEOUT_MS,
  );

  it('would report a finding: errors fail the synth, warnings are in the report', () => {
    const outdir = freshOutdir();
    const { app, stack } = buildApp({ outdir, context: WITHOUT_BUNDLING });
    new sqs.Queue(stack, 'QueueWithoutDeadLetterQueue');
    new dynamodb.Table(stack, 'TableWithoutRecovery', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });

    const { findings, error } = synthFindings(app, outdir);

    expect(error?.message).toMatch(/AwsSolutions-SQS3/);
    expect(findings).toEqual(
      expect.arrayContaining([
        {
          rule: 'AwsSolutions-SQS3',
          severity: 'error',
          path: `${STACK_NAME}/QueueWithoutDeadLetterQueue/Resource`,
        },
        {
          rule: 'AwsSolutions-DDB3',
          severity: 'warning',
          path: `${STACK_NAME}/TableWithoutRecovery/Resource`,
        },
      ]),
    );
  });

  describe('acknowledgements', () => {
    const acknowledgements = acknowledgementsIn(buildApp({ context: WITHOUT_BUNDLING }).app);
    const raw = rawFindings();

    it('are only the reviewed ones', () => {
      const ids = new Set(
        acknowledgements.map((a) =>
          a.id
            .replace(/<DashboardSiteBucket\w+\.Arn>/, '<DashboardSiteBucket>')
            .replace(/<\w+\.Arn>/, '<Table.Arn>')
            .replace(/<WebSocketApi\w+>/, '<WebSocketApi>'),
        ),
      );
      expect([...ids].sort()).toEqual([
        'AwsSolutions-APIG4',
        'AwsSolutions-CFR1',
        'AwsSolutions-CFR2',
        'AwsSolutions-CFR3',
        'AwsSolutions-CFR4',
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::<DashboardSiteBucket>/*]',
        'AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<WebSocketApi>/v1/*/@connections/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${STACK_NAME}-schedules/*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${STACK_NAME}-workflow-runner:*]`,
        'AwsSolutions-L1',
        'AwsSolutions-S1',
        'AwsSolutions-SMG4',
      ]);
      // Public HTTP routes, and the WebSocket routes that cannot carry an authorizer.
      const unauthorized = acknowledgements.filter((a) => a.id === 'AwsSolutions-APIG4');
      expect(unauthorized.map((a) => a.path).sort()).toEqual(
        [
          `${STACK_NAME}/Http/GET health`,
          `${STACK_NAME}/Http/GET openapi.json`,
          `${STACK_NAME}/WebSocket/Api/$default-Route`,
          `${STACK_NAME}/WebSocket/Api/$disconnect-Route`,
        ].sort(),
      );
      // The connection grant is acknowledged only on the roles of functions that manage connections.
      const connectionGrants = acknowledgements.filter((a) => a.id.includes('@connections'));
      expect(connectionGrants.map((a) => a.path).sort()).toEqual([
        `${STACK_NAME}/Dashboard/dashboard-connections/Role`,
        `${STACK_NAME}/Dashboard/dashboard-push/Role`,
        `${STACK_NAME}/Kernel/task-worker/Role`,
        `${STACK_NAME}/Observability/event-sink/Role`,
      ]);
      // Stopping executions is acknowledged only where a function starts and stops them.
      const executionGrants = acknowledgements.filter((a) => a.id.includes(':execution:'));
      expect(executionGrants.map((a) => a.path)).toEqual([
        `${STACK_NAME}/Orchestration/workflows-api/Role`,
      ]);
      // Schedules of the stack's own group, only where a function manages them.
      const scheduleGrants = acknowledgements.filter((a) => a.id.includes(':schedule/'));
      expect(scheduleGrants.map((a) => a.path)).toEqual([
        `${STACK_NAME}/Scheduler/schedules-api/Role`,
      ]);
    });

    it('each give a real reason', () => {
      for (const { path, id, reason } of acknowledgements) {
        expect(reason.trim().length, `${id} on ${path}`).toBeGreaterThanOrEqual(40);
      }
    });

    it('each answer a finding on the construct they are made on', () => {
      for (const { path, id } of acknowledgements) {
        const answered = raw.filter(
          (f) => f.rule === id && (f.path === path || f.path.startsWith(`${path}/`)),
        );
        expect(answered.length, `${id} on ${path} answers no finding`).toBeGreaterThan(0);
      }
    });

    it('cover every finding the stack has without them', () => {
      const unanswered = raw.filter(
        (f) =>
          !acknowledgements.some(
            (a) => a.id === f.rule && (f.path === a.path || f.path.startsWith(`${a.path}/`)),
          ),
      );
      expect(raw.length).toBeGreaterThan(0);
      expect(unanswered).toEqual([]);
    });
  });
});

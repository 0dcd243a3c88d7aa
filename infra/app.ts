/**
 * The CDK app: the AgentCore stack, checked by cdk-nag's AwsSolutions pack on every synth.
 * `cdk.json` runs this file; tests call `buildApp()` and synthesize in-process.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { RouteConfig } from '../shared/core/models/route-config.js';
import { AgentCoreStack } from './stack.js';

export const STACK_NAME = 'AgentCore';

export interface BuildAppOptions {
  /** Context values, as `cdk -c key=value` (or cdk.json) would give them. */
  context?: Record<string, unknown>;
  /** Cloud assembly directory; a fresh temporary one when omitted. */
  outdir?: string;
  /** Model routes; by default read from AGENT_CORE_MODEL_ROUTES[_FILE] at synth. */
  modelRoutes?: RouteConfig;
}

export function buildApp(opts: BuildAppOptions = {}): { app: App; stack: AgentCoreStack } {
  // No env: the stack is environment-agnostic, so synth needs no credentials and no lookups.
  const app = new App({ context: opts.context, outdir: opts.outdir });
  const stack = new AgentCoreStack(
    app,
    STACK_NAME,
    opts.modelRoutes ? { modelRoutes: opts.modelRoutes } : {},
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

const isEntry =
  process.argv[1] !== undefined &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isEntry) buildApp().app.synth();

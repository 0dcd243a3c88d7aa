/**
 * Silences the handlers' logs in a test file whose failures are on purpose. Handlers build their
 * loggers when their module loads, reading POWERTOOLS_LOG_LEVEL then, so this must run before
 * the file's imports: at the top of the file,
 *
 *   await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());
 *
 * The level is put back after the file's tests.
 */
import { afterAll } from 'vitest';

export function quietLogs(): void {
  const before = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  afterAll(() => {
    if (before === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
    else process.env.POWERTOOLS_LOG_LEVEL = before;
  });
}

/**
 * The code's dependency rules, read from every source file's imports (TypeScript's own
 * pre-processor, no type checking): imports run one way, from the realisations (infra/, local/)
 * and the handlers (functions/) to the product's code (shared/, events/), never back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Import {
  /** The importing file, relative to the repository root. */
  file: string;
  /** A package name (`@aws-sdk/client-sqs`) or a file relative to the root (`infra/topology.ts`). */
  target: string;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name));
}

function importsOf(folder: string): Import[] {
  return sourceFiles(folder).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true)
      .importedFiles.map(({ fileName }) => ({
        file,
        target: fileName.startsWith('.')
          ? relative(ROOT, resolve(ROOT, dirname(file), fileName)).replace(/\.js$/, '.ts')
          : fileName,
      })),
  );
}

/** A route's contract (`functions/<layer>/*-contract.ts`): schemas beside a handler, not a handler. */
const isContract = (file: string): boolean => file.endsWith('-contract.ts');

/** The imports of `folder` whose target starts with one of `prefixes`, as `file → target`. */
const offending = (folder: string, prefixes: string[]): string[] =>
  importsOf(folder)
    .filter(({ target }) => prefixes.some((prefix) => target.startsWith(prefix)))
    .map(({ file, target }) => `${file} → ${target}`);

describe('dependency rules', () => {
  it('reads the imports it checks (a rule over no imports could not fail)', () => {
    expect(offending('infra', ['shared/'])).toContain(
      'infra/topology.ts → shared/core/tasks/limits.ts',
    );
  });

  it('the product code (shared/, events/) imports nothing from infra/, local/ or functions/', () => {
    expect(offending('shared', ['infra/', 'local/', 'functions/', 'bench/', 'tests/'])).toEqual([]);
    expect(offending('events', ['infra/', 'local/', 'functions/', 'shared/runtime/'])).toEqual([]);
  });

  it('infra/ imports nothing from local/ or functions/ (it reads the topology and shared/)', () => {
    expect(offending('infra', ['local/', 'functions/'])).toEqual([]);
  });

  it('handlers are primary adapters: no AWS SDK, no infra/, and never another handler', () => {
    expect(offending('functions', ['@aws-sdk/', 'infra/', 'local/'])).toEqual([]);
    // A handler may read route contracts (its own; the OpenAPI document's handler reads them
    // all), which are data; no file under functions/ reads a handler.
    const handlerImports = importsOf('functions').filter(
      ({ file, target }) => target.startsWith('functions/') && target !== file,
    );
    expect(handlerImports.length).toBeGreaterThan(0);
    expect(handlerImports.filter(({ target }) => !isContract(target))).toEqual([]);
  });

  it('route contracts are data: they read only zod, shared/ and events/, never a handler', () => {
    const contracts = sourceFiles('functions').filter(isContract);
    expect(contracts.length).toBeGreaterThan(10);
    const reads = importsOf('functions').filter(({ file }) => isContract(file));
    expect(
      reads.filter(
        ({ target }) =>
          target !== 'zod' &&
          !target.startsWith('shared/') &&
          !target.startsWith('events/') &&
          !isContract(target),
      ),
    ).toEqual([]);
  });

  it('every handler wears the one middleware stack of shared/runtime/lambda-handler.ts', () => {
    const handlers = sourceFiles('functions').filter((file) => !isContract(file));
    const unwrapped = handlers.filter(
      (file) =>
        !/^export const handler = (httpHandler|eventHandler)\(/m.test(
          readFileSync(join(ROOT, file), 'utf8'),
        ),
    );
    expect(handlers.length).toBeGreaterThan(20);
    expect(unwrapped).toEqual([]);
    expect(offending('functions', ['@middy/', '@aws-lambda-powertools/'])).toEqual([
      // The worker names its metrics' unit; the metrics themselves are the stack's.
      'functions/kernel/run-tasks.ts → @aws-lambda-powertools/metrics',
    ]);
  });

  it('adapters take their clients and configuration; they import nothing of the runtime', () => {
    expect(offending('shared/adapters', ['shared/runtime/'])).toEqual([]);
  });

  it('the core imports no AWS SDK, Lambda tooling, adapter or runtime wiring', () => {
    expect(
      offending('shared/core', [
        '@aws-sdk/',
        '@aws-lambda-powertools/',
        '@middy/',
        'aws-lambda',
        'shared/adapters/',
        'shared/runtime/',
      ]),
    ).toEqual([]);
  });
});

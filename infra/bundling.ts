/**
 * How every Lambda function is bundled. The settings are written once, in esbuild's own API
 * shape (`lambdaEsbuildOptions`, which bench/bundles.ts builds with), and translated for
 * `NodejsFunction` (`lambdaBundling`, which drives the esbuild CLI), so that what is measured is
 * what is deployed.
 */
import {
  type BundlingOptions,
  Charset,
  LogLevel,
  OutputFormat,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/**
 * CommonJS dependencies bundled into an ES module still call `require` (for Node built-ins);
 * ESM has none, so the bundle defines one. The import is aliased so that it cannot collide
 * with a top-level `createRequire` of the bundled code.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as agentCoreCreateRequire } from 'node:module'; const require = agentCoreCreateRequire(import.meta.url);";

export const lambdaEsbuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Lambda's nodejs24.x runtime: nothing is down-levelled that the runtime already runs.
  target: 'node24',
  // ESM builds first: the AWS SDK v3 and smithy ship `module` builds that tree-shake far better
  // than their CommonJS `main` (bundles about a quarter smaller).
  mainFields: ['module', 'main'],
  minify: true,
  // Keeps class and function names through minification: errors name themselves with
  // `new.target.name` (shared/core/errors.ts), and logs must show `ValidationError`, not `e`.
  // Costs about 5% of bundle size.
  keepNames: true,
  // Non-ASCII text stays UTF-8 instead of \u escapes (zod's messages: about 8% smaller).
  charset: 'utf8',
  // Source maps for readable stack traces (NODE_OPTIONS=--enable-source-maps); without the
  // sources' text, which stack traces do not need and which Node would parse at cold start.
  sourcemap: true,
  sourcesContent: false,
  banner: { js: ESM_REQUIRE_BANNER },
  // The pinned AWS SDK v3 clients are bundled rather than taken from the runtime, so the code
  // runs against the versions it was tested with. Only the TypeScript compiler stays out: 9 MB
  // that `code.analyze` imports lazily, shipped beside the bundle of the functions that run
  // tools (see `shippedModules`) and never loaded by the others.
  external: ['typescript'],
  logLevel: 'warning',
} as const satisfies BuildOptions;

/**
 * Files of npm packages copied beside a bundle, for modules left external and loaded lazily.
 * Copied from the local node_modules (no install, no network at synth).
 */
const SHIPPED_FILES: Record<string, string[]> = {
  typescript: ['package.json', 'LICENSE.txt', 'lib/typescript.js'],
};

/**
 * Bundling for a function that ships `modules` beside its bundle (topology `shippedModules`) and
 * starts worker threads (topology `workerThreads`: each entry bundled on its own, with the same
 * settings, into the file name the code looks for beside its bundle).
 */
export function lambdaBundlingFor(
  modules: readonly string[] = [],
  threads: Readonly<Record<string, string>> = {},
): BundlingOptions {
  if (modules.length === 0 && Object.keys(threads).length === 0) return lambdaBundling;
  return {
    ...lambdaBundling,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) => [
        ...modules.flatMap((module) => {
          const files = SHIPPED_FILES[module];
          if (!files) throw new Error(`no file list for shipped module ${module}`);
          return files.flatMap((file) => {
            const target = `${outputDir}/node_modules/${module}/${file}`;
            return [
              `mkdir -p "${target.slice(0, target.lastIndexOf('/'))}"`,
              `cp "${inputDir}/node_modules/${module}/${file}" "${target}"`,
            ];
          });
        }),
        ...Object.entries(threads).map(([file, entry]) =>
          [
            `"${inputDir}/node_modules/.bin/esbuild"`,
            `"${inputDir}/${entry}"`,
            ...esbuildCliFlags().map(shellQuote),
            shellQuote(`--outfile=${outputDir}/${file}`),
          ].join(' '),
        ),
      ],
    },
  };
}

/** `lambdaEsbuildOptions` as esbuild's command line takes them (command hooks run the CLI). */
export function esbuildCliFlags(options = lambdaEsbuildOptions): string[] {
  return [
    '--bundle',
    `--platform=${options.platform}`,
    `--format=${options.format}`,
    `--target=${options.target}`,
    `--main-fields=${options.mainFields.join(',')}`,
    ...(options.minify ? ['--minify'] : []),
    ...(options.keepNames ? ['--keep-names'] : []),
    `--charset=${options.charset}`,
    ...(options.sourcemap ? ['--sourcemap'] : []),
    `--sources-content=${options.sourcesContent}`,
    `--banner:js=${options.banner.js}`,
    ...options.external.map((module) => `--external:${module}`),
    `--log-level=${options.logLevel}`,
  ];
}

/** One word for the shell that runs command hooks, whatever it contains. */
const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

/** The same settings for `NodejsFunction`; it always bundles, for platform node. */
export const lambdaBundling: BundlingOptions = {
  format: OutputFormat.ESM,
  target: lambdaEsbuildOptions.target,
  mainFields: [...lambdaEsbuildOptions.mainFields],
  minify: lambdaEsbuildOptions.minify,
  keepNames: lambdaEsbuildOptions.keepNames,
  charset: Charset.UTF8,
  sourceMap: lambdaEsbuildOptions.sourcemap,
  sourcesContent: lambdaEsbuildOptions.sourcesContent,
  banner: lambdaEsbuildOptions.banner.js,
  externalModules: [...lambdaEsbuildOptions.external],
  logLevel: LogLevel.WARNING,
};

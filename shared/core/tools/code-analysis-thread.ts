/**
 * The worker thread of `code.analyze` (see code-analysis-threads.ts): analyses the files it is
 * sent, one message at a time, and answers each with its analysis or its error. The TypeScript
 * compiler runs here, off the thread that serves requests and queues.
 */
import { parentPort } from 'node:worker_threads';
import { analyzeSource } from './code-analysis.js';
import { ToolInputError } from './tool.js';

export interface AnalysisRequest {
  id: number;
  path: string;
  text: string;
  /** Whether each function also says the line it ends on (code.scan shows its source). */
  spans?: boolean;
}

export type AnalysisAnswer =
  | { id: number; ok: true; analysis: Awaited<ReturnType<typeof analyzeSource>> }
  | { id: number; ok: false; message: string; inputError: boolean };

// The compiler is what takes long to load: load it now, before the first file arrives.
void analyzeSource('warm-up.ts', '').catch(() => undefined);

parentPort?.on('message', async (request: AnalysisRequest) => {
  let answer: AnalysisAnswer;
  try {
    answer = {
      id: request.id,
      ok: true,
      analysis: await analyzeSource(request.path, request.text, { spans: request.spans }),
    };
  } catch (error) {
    answer = {
      id: request.id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      inputError: error instanceof ToolInputError,
    };
  }
  parentPort?.postMessage(answer);
});

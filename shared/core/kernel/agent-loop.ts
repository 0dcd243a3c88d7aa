/**
 * The agent loop: model → tools → model … until the model answers without tool calls, bounded by
 * the agent's limits. Every model call and tool call becomes a recorded step with its duration.
 *
 * A call to a tool the agent's `toolPolicy` marks `ask` stops the loop (`suspended`): the caller
 * stores what the loop returns and ends the attempt; once a person decides, a new run is given
 * the conversation and the decision (`resume`) and goes on from that very call, so no model or
 * tool call is made twice.
 */
import * as z from 'zod';
import { type Agent, contextTokensOf } from '../agents/agent.js';
import type { SpendGuard, SpendReservation } from '../budgets/spend-guard.js';
import { TaskAttemptError } from '../errors.js';
import { jsonLimitIssues } from '../json-limits.js';
import type { RateLimiter } from '../ports.js';
import type { LoopDecision, TaskContext, TaskStep, TaskUsage } from '../tasks/task.js';
import { emptyUsage } from '../tasks/task.js';
import { mayUseTool, toolPolicyFor } from '../tools/permissions.js';
import type { ToolDefinition, ToolServices } from '../tools/tool.js';
import { fitContext } from './context-window.js';
import {
  type ModelMessage,
  type ModelProvider,
  renderForModel,
  type ToolCall,
  type ToolDescriptor,
} from './model-provider.js';

export interface AgentLoopParams {
  agent: Agent;
  taskId: string;
  /** What the task asks, when there is no `conversation`: the loop's one user message. */
  input?: unknown;
  /**
   * The conversation so far, oldest first, without the instructions: a thread's history, the
   * input, and what a stopped loop had added. Appended to as the loop runs.
   */
  conversation?: ModelMessage[];
  /** Where the input is in `conversation`: every model call receives it. */
  pinned?: number;
  /** Messages of the conversation left out before it was loaded (older than the first). */
  omittedBefore?: number;
  /** Going on after a decision: the calls still to run (the decided one first). */
  resume?: {
    calls: ToolCall[];
    decision: LoopDecision;
    /** The steps before the stop that the task's record kept, and how many it did not. */
    steps: TaskStep[];
    stepsOmitted?: number;
    usage: TaskUsage;
  };
  provider: ModelProvider;
  /** The tools that exist for this agent: the built-in catalogue plus its MCP servers' tools. */
  tools: ReadonlyMap<string, ToolDefinition>;
  timeoutMs: number;
  /** What the runtime lends tools (workspaces, DNS). */
  services: ToolServices;
  /** Calls per minute per agent and tool; without one, calls are not limited. */
  rateLimiter?: RateLimiter;
  /** Told of every tool call that ran and every one that was denied. */
  observer?: ToolObserver;
  /** Holds each model call's largest cost against the agent's budgets before it is made. */
  spendGuard?: SpendGuard;
  /** Asked before every model turn but the first; true stops the loop (the task was cancelled). */
  isCancelled?: () => Promise<boolean>;
  now?: () => number;
}

export interface ToolObserver {
  invoked(tool: string, ok: boolean, durationMs: number): void;
  denied(tool: string, reason: string): void;
}

export interface AgentLoopResult {
  /** The final answer ('' when suspended). */
  output: string;
  usage: TaskUsage;
  steps: TaskStep[];
  /** Messages this run added to the conversation (tool calls, their results, the answer). */
  added: ModelMessage[];
  /** What the latest model call received of the conversation. */
  context: TaskContext;
  /** Set when a call waits for a person: it first, then the rest of the model's response. */
  suspended?: { calls: ToolCall[]; elapsedMs: number };
}

export class TaskCancelledSignal extends Error {
  constructor() {
    super('task was cancelled while running');
    this.name = 'TaskCancelledSignal';
  }
}

/** Thrown out of the loop with the steps and usage gathered so far, so a failure records them. */
export class AgentLoopFailure extends Error {
  constructor(
    readonly failure: TaskAttemptError | TaskCancelledSignal,
    readonly steps: TaskStep[],
    readonly usage: TaskUsage,
  ) {
    super(failure.message);
    this.name = 'AgentLoopFailure';
  }
}

const DETAIL_LIMIT = 500;
const truncate = (text: string, limit = DETAIL_LIMIT): string =>
  text.length > limit ? `${text.slice(0, limit - 1)}…` : text;

export async function runAgentLoop(params: AgentLoopParams): Promise<AgentLoopResult> {
  const now = params.now ?? Date.now;
  const { agent } = params;
  const startedAt = now();
  const steps: TaskStep[] = params.resume ? [...params.resume.steps] : [];
  const usage = params.resume ? { ...params.resume.usage } : emptyUsage();
  // Steps go on counting from the stop, those the record did not keep included.
  const nextIndex = () => (params.resume?.stepsOmitted ?? 0) + steps.length;
  const deadline = startedAt + params.timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), params.timeoutMs);
  timer.unref?.();

  const conversation: ModelMessage[] = params.conversation ?? [
    { role: 'user', content: renderForModel(params.input) },
  ];
  const pinned = params.conversation ? (params.pinned ?? 0) : 0;
  const loaded = conversation.length;
  const budget = contextTokensOf(agent);
  const allowedTools = describeTools(agent, params.tools);
  for (const tool of params.tools.values()) if (mayUseTool(agent, tool.name)) tool.warmUp?.();
  let context: TaskContext = { messages: loaded, omitted: params.omittedBefore ?? 0 };
  const result = (output: string, suspended?: AgentLoopResult['suspended']): AgentLoopResult => ({
    output,
    usage,
    steps,
    added: conversation.slice(loaded),
    context,
    ...(suspended ? { suspended } : {}),
  });

  /** Runs calls in order; returns the calls left when one must wait for a person. */
  const runCalls = async (
    calls: ToolCall[],
    decision?: LoopDecision,
  ): Promise<ToolCall[] | undefined> => {
    for (const [i, call] of calls.entries()) {
      const callStarted = now();
      const outcome = await callTool(params, call, deadline, controller.signal, now, {
        decision: i === 0 ? decision : undefined,
      });
      if (outcome === 'ask') return calls.slice(i);
      const durationMs = now() - callStarted;
      usage.toolCalls += 1;
      if (outcome.ran) params.observer?.invoked(call.name, outcome.ok, durationMs);
      steps.push(
        step(nextIndex(), 'tool', call.name, outcome.ok, durationMs, truncate(outcome.content)),
      );
      conversation.push({
        role: 'tool',
        toolCallId: call.id,
        name: call.name,
        content: outcome.content,
        isError: !outcome.ok,
      });
    }
    return undefined;
  };

  try {
    if (params.resume) {
      const waiting = await runCalls(params.resume.calls, params.resume.decision);
      if (waiting) return result('', { calls: waiting, elapsedMs: now() - startedAt });
    }
    for (let turn = usage.modelCalls; turn < agent.limits.maxSteps; turn++) {
      if (controller.signal.aborted) throw timeoutError(params.timeoutMs);
      if (turn > 0 && (await params.isCancelled?.())) throw new TaskCancelledSignal();
      const window = fitContext(conversation, pinned, budget);
      context = {
        messages: window.messages.length,
        omitted: (params.omittedBefore ?? 0) + window.omitted,
      };
      const messages: ModelMessage[] = agent.instructions
        ? [{ role: 'system', content: agent.instructions }, ...window.messages]
        : window.messages;
      const started = now();
      const maxTokens = agent.limits.maxTokens - usage.outputTokens;
      let response: Awaited<ReturnType<ModelProvider['complete']>>;
      let reservation: SpendReservation | undefined;
      try {
        reservation = await params.spendGuard?.reserve({
          inputTokens: maxInputTokens(messages, allowedTools),
          maxOutputTokens: maxTokens,
        });
        response = await withDeadline(
          params.provider.complete({
            messages,
            tools: allowedTools,
            maxTokens,
            signal: controller.signal,
          }),
          deadline,
          now,
        );
      } catch (error) {
        // A call that failed, threw or ran out of time gives back what it held.
        await reservation?.release();
        // Past the deadline, whatever the provider threw (an abort, mostly) is the timeout.
        const failure = controller.signal.aborted ? timeoutError(params.timeoutMs) : error;
        steps.push(
          step(
            nextIndex(),
            'model',
            params.provider.name,
            false,
            now() - started,
            errorText(failure),
          ),
        );
        throw failure;
      }
      await reservation?.settle({
        costUsd: response.usage.costUsd,
        priced: response.usage.priced !== false,
      });
      usage.modelCalls += 1;
      usage.inputTokens += response.usage.inputTokens;
      usage.outputTokens += response.usage.outputTokens;
      usage.costUsd += response.usage.costUsd;
      steps.push(
        step(
          nextIndex(),
          'model',
          params.provider.name,
          true,
          now() - started,
          response.toolCalls.length
            ? `tool calls: ${response.toolCalls.map((c) => c.name).join(', ')}`
            : truncate(response.text),
        ),
      );
      if (usage.outputTokens > agent.limits.maxTokens) {
        throw new TaskAttemptError(
          'TokenLimitExceeded',
          `the agent's maxTokens (${agent.limits.maxTokens}) was exceeded: ${usage.outputTokens} output tokens`,
          false,
        );
      }
      if (response.toolCalls.length === 0) {
        conversation.push({ role: 'assistant', content: response.text, toolCalls: [] });
        return result(response.text);
      }
      conversation.push({
        role: 'assistant',
        content: response.text,
        toolCalls: response.toolCalls,
      });
      const waiting = await runCalls(response.toolCalls);
      if (waiting) return result('', { calls: waiting, elapsedMs: now() - startedAt });
    }
    throw new TaskAttemptError(
      'MaxStepsExceeded',
      `the agent's maxSteps (${agent.limits.maxSteps}) was reached before a final answer`,
      false,
    );
  } catch (error) {
    if (error instanceof TaskAttemptError || error instanceof TaskCancelledSignal) {
      throw new AgentLoopFailure(error, steps, usage);
    }
    // Anything else from a provider is treated as a transient fault worth another attempt.
    throw new AgentLoopFailure(
      new TaskAttemptError('ModelError', `model call failed: ${errorText(error)}`, true),
      steps,
      usage,
    );
  } finally {
    clearTimeout(timer);
    // Whatever the loop leaves behind (a provider call that lost the race with the deadline)
    // is told to stop.
    controller.abort();
  }
}

/**
 * An upper bound of the input tokens of a model call: byte-level tokenizers (OpenAI's, Claude's,
 * Llama's) never make more tokens than the text has UTF-8 bytes, plus a few tokens of framing per
 * message. Budgets reserve against it, so it errs high, never low.
 */
export function maxInputTokens(messages: ModelMessage[], tools: ToolDescriptor[]): number {
  const FRAMING_TOKENS_PER_MESSAGE = 8;
  let bytes = 0;
  for (const message of messages) {
    bytes += Buffer.byteLength(message.content) + FRAMING_TOKENS_PER_MESSAGE;
    if (message.role === 'assistant' && message.toolCalls.length) {
      bytes += Buffer.byteLength(JSON.stringify(message.toolCalls));
    }
    if (message.role === 'tool') bytes += Buffer.byteLength(message.toolCallId + message.name);
  }
  if (tools.length) bytes += Buffer.byteLength(JSON.stringify(tools));
  return bytes;
}

/** JSON Schemas of tool inputs, converted once per tool rather than once per task. */
const jsonSchemas = new WeakMap<ToolDefinition, unknown>();

function describeTools(
  agent: Agent,
  catalogue: ReadonlyMap<string, ToolDefinition>,
): ToolDescriptor[] {
  return [...catalogue.values()]
    .filter((tool) => mayUseTool(agent, tool.name))
    .map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema: jsonSchemaOf(tool),
    }));
}

/** A tool's input as JSON Schema: published by the tool itself (MCP) or derived from its zod schema. */
export function jsonSchemaOf(tool: ToolDefinition): unknown {
  let schema = jsonSchemas.get(tool);
  if (schema === undefined) {
    schema = tool.inputJsonSchema ?? z.toJSONSchema(tool.input, { io: 'input' });
    jsonSchemas.set(tool, schema);
  }
  return schema;
}

interface ToolResult {
  ok: boolean;
  content: string;
  /** Whether the tool itself ran (not refused before: denied, bad input, rate limited). */
  ran?: boolean;
}

/**
 * Runs one tool call. Failures of the call (denied, bad input, the tool threw, too slow, too
 * large) go back to the model as an error result: the model may recover, and the task goes on.
 * A call the agent's policy marks `ask` answers `ask` instead, unless a person decided it.
 */
async function callTool(
  params: AgentLoopParams,
  call: ToolCall,
  deadline: number,
  taskSignal: AbortSignal,
  now: () => number,
  options: { decision?: LoopDecision | undefined },
): Promise<ToolResult | 'ask'> {
  const tool = params.tools.get(call.name);
  // Only the agent's own record grants tools: nothing a model or a tool says can widen it.
  const policy = toolPolicyFor(params.agent, call.name);
  if (!tool || !mayUseTool(params.agent, call.name) || policy === 'deny') {
    const reason = !tool
      ? `no tool '${call.name}' exists for agent '${params.agent.id}'`
      : !mayUseTool(params.agent, call.name)
        ? `agent '${params.agent.id}' does not list tool '${call.name}'`
        : `the toolPolicy of agent '${params.agent.id}' denies tool '${call.name}'`;
    params.observer?.denied(call.name, reason);
    return { ok: false, content: `denied: ${reason}` };
  }
  const { decision } = options;
  if (decision?.decision === 'deny') {
    // The model is told who refused and why, so that it can go on without the call.
    const who = decision.by === 'system' ? 'denied' : `denied by a person (${decision.by})`;
    return { ok: false, content: decision.comment ? `${who}: ${decision.comment}` : who };
  }
  const input = decision?.decision === 'edit' ? decision.input : call.input;
  // A model's tool input is free-form JSON like a request's: the same limits, before the tool's
  // own schema (or the tool) walks it.
  const broken = jsonLimitIssues(input);
  if (broken.length > 0) {
    const fields = broken.map((i) => `${i.path || '(input)'}: ${i.message}`);
    return { ok: false, content: `invalid input for ${call.name}: ${fields.join('; ')}` };
  }
  const parsed = tool.input.safeParse(input);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`);
    return { ok: false, content: `invalid input for ${call.name}: ${fields.join('; ')}` };
  }
  // A call the model got wrong is answered at once; a person is asked only about a real one.
  if (policy === 'ask' && !decision) return 'ask';
  if (params.rateLimiter) {
    const perMinute = params.agent.limits.toolCallsPerMinute ?? tool.callsPerMinute;
    const limited = await params.rateLimiter.take(`${params.agent.id}/${call.name}`, perMinute);
    if (!limited.allowed) {
      return {
        ok: false,
        content: `rate limited: ${call.name} allows ${perMinute} calls a minute for this agent; try again in ${Math.ceil(limited.retryAfterMs / 1000)} s`,
      };
    }
  }
  const toolDeadline = Math.min(deadline, now() + tool.timeoutMs);
  const controller = new AbortController();
  const abort = () => controller.abort();
  taskSignal.addEventListener('abort', abort, { once: true });
  try {
    const value = await withDeadline(
      tool.run(parsed.data, {
        agentId: params.agent.id,
        taskId: params.taskId,
        allowedHosts: params.agent.network.allow,
        signal: controller.signal,
        services: params.services,
      }),
      toolDeadline,
      now,
      () => `tool ${call.name} timed out after ${tool.timeoutMs} ms`,
    );
    const content = renderForModel(value);
    if (Buffer.byteLength(content) > tool.maxOutputBytes) {
      return {
        ok: false,
        ran: true,
        content: `tool ${call.name} returned more than ${tool.maxOutputBytes} bytes`,
      };
    }
    // The model is told its input was changed, so that it reads the result right.
    const note =
      decision?.decision === 'edit'
        ? `(a person (${decision.by}) changed the input to ${renderForModel(input)})\n`
        : '';
    return { ok: true, ran: true, content: `${note}${content}` };
  } catch (error) {
    // The task's own deadline ends the task; only the tool's own timeout goes back to the model.
    if (taskSignal.aborted) throw timeoutError(params.timeoutMs);
    return { ok: false, ran: true, content: `tool ${call.name} failed: ${errorText(error)}` };
  } finally {
    controller.abort();
    taskSignal.removeEventListener('abort', abort);
  }
}

const timeoutError = (timeoutMs: number) =>
  new TaskAttemptError('Timeout', `the task timed out after ${timeoutMs} ms`, false);

function withDeadline<T>(
  work: Promise<T>,
  deadline: number,
  now: () => number,
  message: () => string = () => 'the task timed out',
): Promise<T> {
  const remaining = deadline - now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TaskAttemptError('Timeout', message(), false)),
      Math.max(0, remaining),
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function step(
  index: number,
  kind: TaskStep['kind'],
  name: string,
  ok: boolean,
  durationMs: number,
  detail: string,
): TaskStep {
  return { index, kind, name, ok, durationMs, detail };
}

const errorText = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

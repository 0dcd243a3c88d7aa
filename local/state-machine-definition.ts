/**
 * A state-machine definition prepared for the local Step Functions (local/step-functions.ts):
 * checked as CreateStateMachine would check it, and copied into what aws-local-stepfunctions
 * runs, with what each Task state does (its kind, its resource, the timeouts enforced locally).
 *
 * The library gives every Task state 60 s unless it says otherwise (AWS gives none), so the copy
 * carries an explicit, effectively unbounded, TimeoutSeconds; the TimeoutSeconds and
 * HeartbeatSeconds of callback states are kept aside here, for the emulator to enforce, so that
 * their tokens close when they expire.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_INVOKE_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
/** A Task whose Resource is the function itself (the older integration). */
const FUNCTION_ARN = /^arn:aws[\w-]*:lambda:[^:]+:\d{12}:function:[^:]+(?::[^:]+)?$/;
/** Node's longest timer; a longer one fires at once, so every duration is cut to it (24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

type TaskKind = 'invoke' | 'callback' | 'function';

/** What the override of one Task state (by name) needs to know about it. */
export interface TaskSpec {
  kind: TaskKind;
  resource: string;
  /** Enforced by the emulator (callback states only); other timeouts are the library's. */
  timeoutMs?: number;
  heartbeatMs?: number;
}

/** What CreateStateMachine would refuse is refused at start (the library runs asl-validator). */
export function validateDefinition(name: string, definition: object): void {
  try {
    new StateMachine(definition as StateMachineDefinition);
  } catch (error) {
    throw new Error(`state machine ${name}: ${(error as Error).message}`, { cause: error });
  }
}

interface StateJson {
  Type?: string;
  Resource?: string;
  Parameters?: unknown;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
  Iterator?: MachineJson;
  ItemProcessor?: MachineJson;
  Branches?: MachineJson[];
}

interface MachineJson {
  States: Record<string, StateJson>;
  TimeoutSeconds?: number;
}

/**
 * The copy of a definition the library runs, and what each Task state (by name, at any depth:
 * the library looks overrides up by name in Map iterations and Parallel branches too) does.
 */
export function prepareDefinition(
  machineName: string,
  definition: object,
  scale: number,
): { runnable: StateMachineDefinition; tasks: Map<string, TaskSpec> } {
  const runnable = structuredClone(definition) as MachineJson;
  const tasks = new Map<string, TaskSpec>();
  const seconds = (value: number) => Math.min(value * scale, MAX_TIMER_SECONDS);
  const fail = (stateName: string, reason: string): never => {
    throw new Error(`state machine ${machineName}, state ${stateName}: ${reason}`);
  };

  const visit = (machine: MachineJson) => {
    for (const [stateName, state] of Object.entries(machine.States)) {
      if (state.Type === 'Map') {
        const processor = state.ItemProcessor ?? state.Iterator;
        if (processor) visit(processor);
      } else if (state.Type === 'Parallel') {
        for (const branch of state.Branches ?? []) visit(branch);
      }
      if (state.Type !== 'Task') continue;

      const resource = state.Resource ?? '';
      let kind: TaskKind;
      if (resource === LAMBDA_INVOKE) kind = 'invoke';
      else if (resource === LAMBDA_INVOKE_CALLBACK) kind = 'callback';
      else if (FUNCTION_ARN.test(resource)) kind = 'function';
      else return fail(stateName, `Resource ${resource} is not emulated locally`);
      if (state.HeartbeatSecondsPath) fail(stateName, 'HeartbeatSecondsPath is not emulated');
      if (
        kind === 'callback' &&
        !JSON.stringify(state.Parameters ?? {}).includes('$$.Task.Token')
      ) {
        fail(stateName, 'a .waitForTaskToken state must pass $$.Task.Token');
      }

      const spec: TaskSpec = { kind, resource };
      if (kind === 'callback') {
        if (state.TimeoutSeconds !== undefined)
          spec.timeoutMs = seconds(state.TimeoutSeconds) * 1000;
        if (state.HeartbeatSeconds !== undefined) {
          spec.heartbeatMs = seconds(state.HeartbeatSeconds) * 1000;
        }
        // Enforced here; the library's own timer only must not fire first (nor at 60 s).
        if (!state.TimeoutSecondsPath) state.TimeoutSeconds = MAX_TIMER_SECONDS;
      } else if (state.TimeoutSeconds !== undefined) {
        state.TimeoutSeconds = seconds(state.TimeoutSeconds);
      } else if (!state.TimeoutSecondsPath) {
        // AWS has no default task timeout; the library's default of 60 s would fail long calls.
        state.TimeoutSeconds = MAX_TIMER_SECONDS;
      }

      const known = tasks.get(stateName);
      if (known && JSON.stringify(known) !== JSON.stringify(spec)) {
        fail(stateName, 'two Task states of that name differ (overrides go by name)');
      }
      tasks.set(stateName, spec);
    }
  };

  if (runnable.TimeoutSeconds !== undefined)
    runnable.TimeoutSeconds = seconds(runnable.TimeoutSeconds);
  visit(runnable);
  return { runnable: runnable as unknown as StateMachineDefinition, tasks };
}

/** What approvals need from outside: their store and the timer that expires them. */
import type { Page, PageRequest } from '../ports.js';
import type { Approval, ApprovalFilter, ApprovalStatus } from './approval.js';

export interface ApprovalStore {
  /** ConflictError when the id exists. */
  create(approval: Approval): Promise<void>;
  get(id: string): Promise<Approval | undefined>;
  /** Newest first. `agentId` given, an agent's (tool) approvals; `taskId` needs `agentId`. */
  list(filter: ApprovalFilter & PageRequest): Promise<Page<Approval>>;
  /** Changes an approval only from the given statuses; TransitionConflictError otherwise. */
  update(
    id: string,
    change: { from: readonly ApprovalStatus[]; set: Partial<Omit<Approval, 'id' | 'kind'>> },
  ): Promise<Approval>;
}

export interface ApprovalTimer {
  /**
   * Makes sure each approval is looked at once it is due, with no process waiting for it:
   * a delayed message that the approval-timer consumer expires it from (or sends on again).
   */
  arm(timers: { approvalId: string; dueAt: string }[]): Promise<void>;
}

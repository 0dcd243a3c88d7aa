/** The strategies of API.md's workflows, shared by the events and the orchestration layer. */
export const WORKFLOW_STRATEGIES = ['sequential', 'parallel', 'dag', 'adaptive', 'auto'] as const;
export type WorkflowStrategy = (typeof WORKFLOW_STRATEGIES)[number];

/** The strategies a workflow actually runs with (`auto` resolves to one of the first three). */
export const RUN_STRATEGIES = ['sequential', 'parallel', 'dag', 'adaptive'] as const;
export type RunStrategy = (typeof RUN_STRATEGIES)[number];

/** What the learning layer may recommend for a set of steps. */
export const RECOMMENDABLE_STRATEGIES = ['sequential', 'parallel', 'dag'] as const;
export type RecommendableStrategy = (typeof RECOMMENDABLE_STRATEGIES)[number];

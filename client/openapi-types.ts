/**
 * Generated from the OpenAPI document by openapi-typescript (`npm run client:types`).
 * Do not edit: change the route contracts (functions/<layer>/*-contract.ts) and regenerate.
 */

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Is the API up */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List agents
         * @description Admin key only.
         */
        get: operations["listAgents"];
        put?: never;
        /**
         * Register an agent
         * @description The id is the caller's. Registering an existing id is 409.
         *
         *     Admin key only.
         */
        post: operations["registerAgent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an agent
         * @description The admin, or that agent's own key.
         */
        get: operations["getAgent"];
        put?: never;
        post?: never;
        /**
         * Retire an agent
         * @description Its status becomes `retired`; its history is kept and new tasks for it are refused (409).
         *
         *     Admin key only.
         */
        delete: operations["retireAgent"];
        options?: never;
        head?: never;
        /**
         * Change an agent
         * @description Any field but the id; nested objects (the model too) are replaced whole.
         *
         *     Admin key only.
         */
        patch: operations["patchAgent"];
        trace?: never;
    };
    "/v1/agents/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause an agent
         * @description Its tasks wait queued until it is resumed.
         *
         *     Admin key only.
         */
        post: operations["pauseAgent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume an agent
         * @description The tasks that waited while it was paused are queued again.
         *
         *     Admin key only.
         */
        post: operations["resumeAgent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/blueprints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the agent blueprints
         * @description Ready agent definitions; `POST /v1/agents {"id", "blueprint"}` registers one.
         */
        get: operations["listBlueprints"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/blueprints/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an agent blueprint */
        get: operations["getBlueprint"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List tasks, newest first
         * @description An agent key lists its own agent's tasks.
         */
        get: operations["listTasks"];
        put?: never;
        /**
         * Submit a task
         * @description Queued by priority: critical before normal before low. A paused agent's tasks wait queued; a retired agent's are refused (409). A task stops as `waiting` when its agent calls a tool its `toolPolicy` marks `ask`, until the approval is decided.
         */
        post: operations["submitTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a task: status, output, steps, usage */
        get: operations["getTask"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a task
         * @description 409 once it has finished.
         */
        post: operations["cancelTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tasks/{id}/trace": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A task's events, in order */
        get: operations["getTaskTrace"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/queue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Queue depth per priority, in flight, dead-lettered
         * @description Admin key only.
         */
        get: operations["getQueue"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/queue/dlq": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List dead-lettered tasks
         * @description Admin key only.
         */
        get: operations["listDeadLetters"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/queue/dlq/redrive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Queue dead-lettered tasks again
         * @description With fresh attempts. Without `taskIds`, up to 100 dead-lettered tasks per call.
         *
         *     Admin key only.
         */
        post: operations["redriveDeadLetters"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/threads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List threads, newest first
         * @description An agent key lists its own agent's threads.
         */
        get: operations["listThreads"];
        put?: never;
        /**
         * Start a thread with an agent
         * @description An agent key starts threads with its own agent only. A retired agent's: 409.
         */
        post: operations["createThread"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/threads/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a thread */
        get: operations["getThread"];
        put?: never;
        post?: never;
        /**
         * Delete a thread and its messages
         * @description Its messages are removed in the background. 409 while a turn runs or waits.
         */
        delete: operations["deleteThread"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/threads/{id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A thread's messages, oldest first
         * @description After `after` (a message id) or the cursor of the previous page, not both.
         */
        get: operations["listThreadMessages"];
        put?: never;
        /**
         * Send a message: a turn
         * @description The turn is a task (`threadId` set) whose model calls receive the thread's history. One turn at a time: a message sent while a turn runs waits its turn (`ifBusy: queue`) or is refused with 409 and nothing written (`ifBusy: reject`).
         */
        post: operations["postThreadMessage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/approvals": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List approvals, newest first
         * @description An agent key lists its own agent's approvals.
         */
        get: operations["listApprovals"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/approvals/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an approval
         * @description An agent key reads its own agent's; gates are the admin's.
         */
        get: operations["getApproval"];
        put?: never;
        /**
         * Decide an approval: approve, edit or deny
         * @description approve runs the tool with the input the model gave; edit with `input` (checked against the tool's schema: 400 naming `input.<field>`); deny tells the model the call was denied. A gate: approve lets the workflow go on, deny fails it. Already decided or expired: 409.
         *
         *     Admin key only.
         */
        post: operations["decideApproval"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workflows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List workflows, newest first
         * @description Admin key only.
         */
        get: operations["listWorkflows"];
        put?: never;
        /**
         * Start a workflow
         * @description sequential, parallel, dag, adaptive (a supervisor agent decides each round) or auto (the learning layer decides). Every step runs as a task.
         *
         *     Admin key only.
         */
        post: operations["startWorkflow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workflows/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a workflow with its steps
         * @description Admin key only.
         */
        get: operations["getWorkflow"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/workflows/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a workflow
         * @description Stops its execution and cancels its running steps' tasks; 409 once ended.
         *
         *     Admin key only.
         */
        post: operations["cancelWorkflow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents/{id}/memories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List an agent's memories */
        get: operations["listMemories"];
        put?: never;
        /**
         * Write a memory
         * @description Into one of the agent's namespaces, or one shared with the caller for writing.
         */
        post: operations["writeMemory"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents/{id}/memories/{memoryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a memory */
        delete: operations["deleteMemory"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents/{id}/memories/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Search memories by meaning, best first
         * @description As the agent: its own namespaces and, with includeShared, those shared with it.
         */
        post: operations["searchMemories"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents/{id}/grants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the grants of an agent's namespaces */
        get: operations["listGrants"];
        put?: never;
        /**
         * Share a namespace with an agent or a tag
         * @description 201 when new; 200 when it changed or confirmed an existing grant.
         */
        post: operations["grantMemoryAccess"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents/{id}/grants/{grantId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a grant */
        delete: operations["revokeGrant"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a message to an agent or to every agent of a tag
         * @description Each recipient's acceptsMessagesFrom decides; 403 when nobody may receive it. An agent key sends as its own agent only.
         */
        post: operations["sendMessage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents/{id}/inbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An agent's inbox, oldest first */
        get: operations["readInbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents/{id}/inbox/{messageId}/ack": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Mark a message read */
        post: operations["ackMessage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Model routes, providers and per-model statistics
         * @description Each route's targets with their circuit breaker's state in the process that answers; statistics are summed over every call.
         */
        get: operations["listModels"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/budgets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List budgets
         * @description Admin key only.
         */
        get: operations["listBudgets"];
        put?: never;
        /**
         * Create a budget
         * @description Before each model call the worker reserves its largest possible cost against every budget covering the agent; a call that would pass one is not made (the task fails BudgetExceeded).
         *
         *     Admin key only.
         */
        post: operations["createBudget"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/budgets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a budget
         * @description Admin key only.
         */
        get: operations["getBudget"];
        put?: never;
        post?: never;
        /**
         * Delete a budget
         * @description Admin key only.
         */
        delete: operations["deleteBudget"];
        options?: never;
        head?: never;
        /**
         * Change a budget
         * @description Admin key only.
         */
        patch: operations["patchBudget"];
        trace?: never;
    };
    "/v1/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List schedules
         * @description Admin key only.
         */
        get: operations["listSchedules"];
        put?: never;
        /**
         * Create a schedule
         * @description Each firing submits the task or workflow with metadata.scheduleId and metadata.firedAt, at most once; overlap skip leaves out a firing while the previous run is still going.
         *
         *     Admin key only.
         */
        post: operations["createSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/schedules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a schedule
         * @description Admin key only.
         */
        get: operations["getSchedule"];
        put?: never;
        post?: never;
        /**
         * Delete a schedule
         * @description Admin key only.
         */
        delete: operations["deleteSchedule"];
        options?: never;
        head?: never;
        /**
         * Change a schedule
         * @description Admin key only.
         */
        patch: operations["patchSchedule"];
        trace?: never;
    };
    "/v1/tools": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tool catalogue
         * @description With `?agentId=`, also that agent's MCP tools and which tools it may call.
         */
        get: operations["listTools"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List keys, without their secrets
         * @description Admin key only.
         */
        get: operations["listKeys"];
        put?: never;
        /**
         * Mint an agent-scoped key
         * @description The key is in this answer only; it is stored as a hash.
         *
         *     Admin key only.
         */
        post: operations["createKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke a key
         * @description Within 10 s every request with it is refused. Revoking twice changes nothing.
         *
         *     Admin key only.
         */
        delete: operations["revokeKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The event log
         * @description Newest first, back to `since` (default: the last hour). With `after=<event id>`: the events strictly newer than that one, oldest first (what a reconnecting client missed). An agent key sees its own agent's events only.
         */
        get: operations["listEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Task and model figures over a window, and the queue
         * @description Admin key only.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log, newest first
         * @description Who did what to what, from which key: every change and every refusal.
         *
         *     Admin key only.
         */
        get: operations["listAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/insights/agents/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An agent's success rate, latency, cost, trend and anomalies */
        get: operations["getAgentInsights"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/insights/report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every strategy, a page of agents, the latest anomalies
         * @description Admin key only.
         */
        get: operations["getInsightsReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/insights/recommend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Which strategy to run these steps with, and how sure */
        post: operations["recommendStrategy"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * This document
         * @description OpenAPI 3.1, generated from the schemas the handlers validate with.
         */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description An agent; or `{"id", "blueprint": "<id>", ...fields}`, which stands for that blueprint's agent (`GET /v1/blueprints`) with the fields given in its place (`limits` field by field). An unknown blueprint is a 400 naming `blueprint`. */
        AgentRegistration: {
            id: string;
            name?: string;
            /** @default  */
            instructions?: string;
            model: {
                route: string;
            } | ({
                /** @constant */
                provider: "echo";
            } | {
                /** @constant */
                provider: "scripted";
                turns: ({
                    text: string;
                    delayMs?: number;
                } | {
                    toolCalls: {
                        name: string;
                        /** @default {} */
                        input?: unknown;
                    }[];
                    delayMs?: number;
                })[];
                failUntilAttempt?: number;
            } | {
                /** @constant */
                provider: "bedrock";
                model: string;
                region?: string;
            } | {
                /** @constant */
                provider: "openai";
                model: string;
                /**
                 * Format: uri
                 * @default https://api.openai.com/v1
                 */
                baseUrl?: string;
                /** @default AGENT_CORE_OPENAI_API_KEY */
                apiKeyEnv?: string;
            });
            /** @default [] */
            tools?: string[];
            /** @default [] */
            mcpServers?: {
                name: string;
                /** Format: uri */
                url: string;
                headers?: {
                    [key: string]: string;
                };
                private?: boolean;
            }[];
            /** @default [] */
            tags?: string[];
            /**
             * @default [
             *       "*"
             *     ]
             */
            acceptsMessagesFrom?: string[];
            /**
             * @default {
             *       "allow": []
             *     }
             */
            network?: {
                /** @default [] */
                allow?: string[];
            };
            /**
             * @default {
             *       "maxSteps": 8,
             *       "timeoutMs": 60000,
             *       "maxTokens": 4096,
             *       "contextTokens": 16000
             *     }
             */
            limits?: {
                /** @default 8 */
                maxSteps?: number;
                /** @default 60000 */
                timeoutMs?: number;
                /** @default 4096 */
                maxTokens?: number;
                toolCallsPerMinute?: number;
                /** @default 16000 */
                contextTokens?: number;
            };
            /**
             * @default ignore
             * @enum {string}
             */
            onMessage?: "ignore" | "task";
            /** @default {} */
            toolPolicy?: {
                [key: string]: "allow" | "ask" | "deny";
            };
            /**
             * @default {
             *       "timeoutSeconds": 86400,
             *       "onTimeout": "deny"
             *     }
             */
            approval?: {
                /** @default 86400 */
                timeoutSeconds?: number;
                /**
                 * @default deny
                 * @enum {string}
                 */
                onTimeout?: "deny" | "fail";
            };
        };
        AgentPatch: {
            name?: string;
            instructions?: string;
            model?: {
                route: string;
            } | ({
                /** @constant */
                provider: "echo";
            } | {
                /** @constant */
                provider: "scripted";
                turns: ({
                    text: string;
                    delayMs?: number;
                } | {
                    toolCalls: {
                        name: string;
                        /** @default {} */
                        input?: unknown;
                    }[];
                    delayMs?: number;
                })[];
                failUntilAttempt?: number;
            } | {
                /** @constant */
                provider: "bedrock";
                model: string;
                region?: string;
            } | {
                /** @constant */
                provider: "openai";
                model: string;
                /**
                 * Format: uri
                 * @default https://api.openai.com/v1
                 */
                baseUrl?: string;
                /** @default AGENT_CORE_OPENAI_API_KEY */
                apiKeyEnv?: string;
            });
            tools?: string[];
            mcpServers?: {
                name: string;
                /** Format: uri */
                url: string;
                headers?: {
                    [key: string]: string;
                };
                private?: boolean;
            }[];
            tags?: string[];
            acceptsMessagesFrom?: string[];
            network?: {
                allow: string[];
            };
            limits?: {
                /** @default 8 */
                maxSteps?: number;
                /** @default 60000 */
                timeoutMs?: number;
                /** @default 4096 */
                maxTokens?: number;
                toolCallsPerMinute?: number;
                /** @default 16000 */
                contextTokens?: number;
            };
            /** @enum {string} */
            onMessage?: "ignore" | "task";
            toolPolicy?: {
                [key: string]: "allow" | "ask" | "deny";
            };
            approval?: {
                /** @default 86400 */
                timeoutSeconds?: number;
                /**
                 * @default deny
                 * @enum {string}
                 */
                onTimeout?: "deny" | "fail";
            };
        };
        TaskSubmission: {
            agentId: string;
            input: unknown;
            /**
             * @default normal
             * @enum {string}
             */
            priority?: "critical" | "normal" | "low";
            /** @default 3 */
            maxAttempts?: number;
            timeoutMs?: number;
            /** @default {} */
            metadata?: {
                [key: string]: unknown;
            };
        };
        RedriveRequest: {
            taskIds?: string[];
        };
        ThreadRequest: {
            agentId: string;
            /** @default {} */
            metadata?: {
                [key: string]: unknown;
            };
            /** @default 0 */
            ttlSeconds?: number;
        };
        ThreadMessageRequest: {
            content: unknown;
            /**
             * @default normal
             * @enum {string}
             */
            priority?: "critical" | "normal" | "low";
            /**
             * @default queue
             * @enum {string}
             */
            ifBusy?: "queue" | "reject";
        };
        ApprovalDecision: {
            /** @enum {string} */
            decision: "approve" | "deny" | "edit";
            input?: {
                [key: string]: unknown;
            };
            comment?: string;
        };
        WorkflowRequest: {
            name?: string;
            /** @enum {string} */
            strategy: "sequential" | "parallel" | "dag" | "adaptive" | "auto";
            input: unknown;
            /** @default [] */
            steps?: {
                id: string;
                agentId?: string;
                approval?: {
                    prompt: string;
                    /** @default 86400 */
                    timeoutSeconds?: number;
                };
                input?: unknown;
                /** @default [] */
                dependsOn?: string[];
            }[];
            supervisor?: {
                agentId: string;
                /** @default 5 */
                maxRounds?: number;
            };
            aggregate?: {
                /** @enum {string} */
                mode: "last" | "concat" | "merge" | "vote" | "agent";
                agentId?: string;
            };
            /**
             * @default balanced
             * @enum {string}
             */
            objective?: "speed" | "quality" | "balanced";
            /**
             * @default normal
             * @enum {string}
             */
            priority?: "critical" | "normal" | "low";
            /** @default 3 */
            maxAttempts?: number;
            timeoutMs?: number;
            /** @default {} */
            metadata?: {
                [key: string]: unknown;
            };
        };
        MemoryRequest: {
            text: string;
            /** @default default */
            namespace?: string;
            /** @default {} */
            metadata?: {
                [key: string]: unknown;
            };
            /** @default 0 */
            ttlSeconds?: number;
        };
        MemorySearch: {
            query: string;
            /** @default 5 */
            k?: number;
            namespace?: string;
            /** @default true */
            includeShared?: boolean;
            /** @default 0 */
            minScore?: number;
        };
        GrantRequest: {
            namespace: string;
            grantee: string;
            /**
             * @default read
             * @enum {string}
             */
            access?: "read" | "write";
        };
        MessageRequest: {
            to: string;
            /** @default  */
            subject?: string;
            body: unknown;
            /** @default 604800 */
            ttlSeconds?: number;
            from: string;
        };
        BudgetRequest: {
            id: string;
            scope: string;
            usdPerDay?: number;
            usdPerMonth?: number;
        };
        BudgetPatch: {
            scope?: string;
            usdPerDay?: number | null;
            usdPerMonth?: number | null;
        };
        ScheduleRequest: {
            id: string;
            expression: string;
            /** @default UTC */
            timezone?: string;
            task?: {
                [key: string]: unknown;
            };
            workflow?: {
                [key: string]: unknown;
            };
            /**
             * @default skip
             * @enum {string}
             */
            overlap?: "skip" | "allow";
            /** @default true */
            enabled?: boolean;
        };
        SchedulePatch: {
            expression?: string;
            timezone?: string;
            task?: {
                [key: string]: unknown;
            };
            workflow?: {
                [key: string]: unknown;
            };
            /** @enum {string} */
            overlap?: "skip" | "allow";
            enabled?: boolean;
        };
        KeyRequest: {
            scope: string;
        };
        RecommendRequest: {
            steps: {
                id: string;
                agentId: string;
                /** @default [] */
                dependsOn?: string[];
                input?: unknown;
            }[];
            /**
             * @default balanced
             * @enum {string}
             */
            priority?: "speed" | "quality" | "balanced";
        };
        Health: {
            /** @constant */
            status: "ok";
            version: string;
            /** @enum {string} */
            runtime: "local" | "aws";
        };
        /** @description Every error answer (API.md): never a stack trace. */
        Error: {
            error: {
                /** @description ValidationError, BadJson, Unauthorized, Forbidden, NotFound, … */
                code: string;
                /** @description A human sentence. */
                message: string;
                /** @description For ValidationError: one entry per bad field. */
                details?: {
                    /** @description Dotted path of the field; empty: the body. */
                    path: string;
                    message: string;
                }[];
            };
            requestId: string;
        };
        Agent: {
            id: string;
            name: string;
            instructions: string;
            model: components["schemas"]["ModelSpec"];
            tools: string[];
            mcpServers: {
                name: string;
                url: string;
                /** @description Values are write-only: answers show `***`. */
                headers?: {
                    [key: string]: string;
                };
                /** @description On a private network: connected to without the address policy. */
                private?: boolean;
            }[];
            tags: string[];
            acceptsMessagesFrom: string[];
            network: {
                allow: string[];
            };
            limits: {
                /** @default 8 */
                maxSteps: number;
                /** @default 60000 */
                timeoutMs: number;
                /** @default 4096 */
                maxTokens: number;
                toolCallsPerMinute?: number;
                /** @default 16000 */
                contextTokens: number;
            };
            /** @enum {string} */
            onMessage: "ignore" | "task";
            /** @description Tool name (or `*`) to `allow`, `ask` (a person decides) or `deny`. */
            toolPolicy: {
                [key: string]: "allow" | "ask" | "deny";
            };
            approval: {
                /** @default 86400 */
                timeoutSeconds: number;
                /**
                 * @default deny
                 * @enum {string}
                 */
                onTimeout: "deny" | "fail";
            };
            /** @enum {string} */
            status: "active" | "paused" | "retired";
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            updatedAt: string;
        };
        /** @description A configured route, or a provider spec. */
        ModelSpec: {
            route: string;
        } | ({
            /** @constant */
            provider: "echo";
        } | {
            /** @constant */
            provider: "scripted";
            turns: ({
                text: string;
                delayMs?: number;
            } | {
                toolCalls: {
                    name: string;
                    /** @default {} */
                    input: unknown;
                }[];
                delayMs?: number;
            })[];
            failUntilAttempt?: number;
        } | {
            /** @constant */
            provider: "bedrock";
            model: string;
            region?: string;
        } | {
            /** @constant */
            provider: "openai";
            model: string;
            /**
             * Format: uri
             * @default https://api.openai.com/v1
             */
            baseUrl: string;
            /** @default AGENT_CORE_OPENAI_API_KEY */
            apiKeyEnv: string;
        });
        Blueprint: {
            id: string;
            name: string;
            /** @description What it does, and which of its tools write or send anything. */
            description: string;
            agent: {
                name?: string;
                /** @default  */
                instructions?: string;
                model?: {
                    route: string;
                } | ({
                    /** @constant */
                    provider: "echo";
                } | {
                    /** @constant */
                    provider: "scripted";
                    turns: ({
                        text: string;
                        delayMs?: number;
                    } | {
                        toolCalls: {
                            name: string;
                            /** @default {} */
                            input: unknown;
                        }[];
                        delayMs?: number;
                    })[];
                    failUntilAttempt?: number;
                } | {
                    /** @constant */
                    provider: "bedrock";
                    model: string;
                    region?: string;
                } | {
                    /** @constant */
                    provider: "openai";
                    model: string;
                    /**
                     * Format: uri
                     * @default https://api.openai.com/v1
                     */
                    baseUrl: string;
                    /** @default AGENT_CORE_OPENAI_API_KEY */
                    apiKeyEnv: string;
                });
                /** @default [] */
                tools?: string[];
                /** @default [] */
                mcpServers?: {
                    name: string;
                    /** Format: uri */
                    url: string;
                    headers?: {
                        [key: string]: string;
                    };
                    private?: boolean;
                }[];
                /** @default [] */
                tags?: string[];
                /**
                 * @default [
                 *       "*"
                 *     ]
                 */
                acceptsMessagesFrom?: string[];
                /**
                 * @default {
                 *       "allow": []
                 *     }
                 */
                network?: {
                    /** @default [] */
                    allow: string[];
                };
                limits?: {
                    /** @default 8 */
                    maxSteps?: number;
                    /** @default 60000 */
                    timeoutMs?: number;
                    /** @default 4096 */
                    maxTokens?: number;
                    toolCallsPerMinute?: number;
                    /** @default 16000 */
                    contextTokens?: number;
                };
                /**
                 * @default ignore
                 * @enum {string}
                 */
                onMessage?: "ignore" | "task";
                /** @default {} */
                toolPolicy?: {
                    [key: string]: "allow" | "ask" | "deny";
                };
                /**
                 * @default {
                 *       "timeoutSeconds": 86400,
                 *       "onTimeout": "deny"
                 *     }
                 */
                approval?: {
                    /** @default 86400 */
                    timeoutSeconds: number;
                    /**
                     * @default deny
                     * @enum {string}
                     */
                    onTimeout: "deny" | "fail";
                };
            };
        };
        Task: {
            id: string;
            agentId: string;
            /** @enum {string} */
            status: "queued" | "running" | "retrying" | "waiting" | "succeeded" | "failed" | "cancelled";
            /** @enum {string} */
            priority: "critical" | "normal" | "low";
            /** @description Any JSON value. */
            input: unknown;
            /** @description The answer once succeeded; null before. */
            output: unknown;
            error: {
                code: string;
                message: string;
                retryable: boolean;
            } | null;
            attempts: number;
            maxAttempts: number;
            timeoutMs: number | null;
            deadLettered: boolean;
            workflowId: string | null;
            /** @description The thread whose turn it is; null for a plain task. */
            threadId: string | null;
            /** @description The approval it waits for while `waiting`. */
            pendingApproval: string | null;
            /** @description For a thread's turn: the history its model calls received. */
            context: {
                messages: number;
                /** @description Messages left out, oldest first, to stay within `limits.contextTokens`. */
                omitted: number;
            } | null;
            metadata: {
                [key: string]: unknown;
            };
            usage: {
                modelCalls: number;
                toolCalls: number;
                inputTokens: number;
                outputTokens: number;
                costUsd: number;
            };
            steps: {
                index: number;
                /** @enum {string} */
                kind: "model" | "tool";
                name: string;
                ok: boolean;
                durationMs: number;
                /** @description What it produced or why it failed. */
                detail?: string;
            }[];
            /** @description Steps of the last attempt left out of `steps`: they are in the trace. */
            stepsOmitted: number;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            startedAt: string | null;
            finishedAt: string | null;
        };
        TraceEntry: {
            eventId: string;
            type: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            time: string;
            source: string;
            data: {
                [key: string]: unknown;
            };
        };
        QueueStatus: {
            depth: {
                critical: number;
                normal: number;
                low: number;
            };
            inFlight: number;
            /** @description Tasks failed with deadLettered: true. */
            deadLettered: number;
            /** @description Messages in the DLQs not yet recorded by the DLQ consumer. */
            inDeadLetterQueues: number;
        };
        RedriveResult: {
            redriven: string[];
            skipped: {
                taskId: string;
                reason: string;
            }[];
        };
        Thread: {
            id: string;
            agentId: string;
            /**
             * @description `busy` while a turn runs or waits.
             * @enum {string}
             */
            status: "idle" | "busy";
            messageCount: number;
            /** @description What its turns cost, summed. */
            usage: {
                modelCalls: number;
                toolCalls: number;
                inputTokens: number;
                outputTokens: number;
                costUsd: number;
            };
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            lastMessageAt: string | null;
            metadata: {
                [key: string]: unknown;
            };
            /** @description How long each message is kept; 0: for ever. */
            ttlSeconds: number;
        };
        PostedThreadMessage: {
            message: components["schemas"]["ThreadMessage"];
            taskId: string;
        };
        ThreadMessage: {
            id: string;
            threadId: string;
            /** @enum {string} */
            role: "user" | "assistant" | "tool";
            /** @description A user's: any JSON; an assistant's or a tool's: text. */
            content: unknown;
            /** @description The turn that wrote it, or that it started. */
            taskId: string | null;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            /** @description An assistant message's tool calls. */
            toolCalls?: {
                id: string;
                name: string;
                /** @description Any JSON value. */
                input: unknown;
            }[];
            /** @description The call a tool message answers. */
            toolCallId?: string;
            /** @description A tool message's tool. */
            name?: string;
            /** @description A tool message that is an error. */
            isError?: boolean;
        };
        Approval: {
            id: string;
            /** @enum {string} */
            kind: "tool" | "gate";
            /** @enum {string} */
            status: "pending" | "approved" | "denied" | "expired";
            /** @description The agent whose tool call waits; null for a gate. */
            agentId: string | null;
            taskId: string | null;
            threadId: string | null;
            workflowId: string | null;
            stepId: string | null;
            toolName: string | null;
            /** @description The tool's input as the model gave it; for a gate, what the step would receive. */
            input: unknown;
            /** @description A gate's question. */
            prompt: string | null;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            requestedAt: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            expiresAt: string;
            decidedAt: string | null;
            /** @description The principal that decided, or `system` when it expired. */
            decidedBy: string | null;
            comment: string | null;
            decision: ("approve" | "deny" | "edit") | null;
            /** @description The input an `edit` ran the tool with. */
            editedInput?: unknown;
            /**
             * @description What expiry does: `deny` goes on as a denial, `fail` fails the task.
             * @enum {string}
             */
            onTimeout: "deny" | "fail";
        };
        Workflow: {
            id: string;
            name: string;
            /** @enum {string} */
            status: "running" | "succeeded" | "failed" | "cancelled";
            /** @enum {string} */
            strategy: "sequential" | "parallel" | "dag" | "adaptive" | "auto";
            /**
             * @description The strategy that runs: `strategy`, or what `auto` chose.
             * @enum {string}
             */
            chosenStrategy: "sequential" | "parallel" | "dag" | "adaptive";
            /** @description For `auto`: the choice's confidence. */
            confidence: number | null;
            recommendation: {
                confidence: number;
                rationale: string;
                basedOn: {
                    executions: number;
                };
            } | null;
            /** @description Any JSON value. */
            input: unknown;
            supervisor: {
                agentId: string;
                maxRounds: number;
            } | null;
            aggregate: {
                /** @enum {string} */
                mode: "last" | "concat" | "merge" | "vote" | "agent";
                agentId?: string;
            } | null;
            /** @enum {string} */
            objective: "speed" | "quality" | "balanced";
            /** @enum {string} */
            priority: "critical" | "normal" | "low";
            maxAttempts: number;
            timeoutMs: number | null;
            metadata: {
                [key: string]: unknown;
            };
            /** @description Any JSON value. */
            output: unknown;
            error: {
                code: string;
                message: string;
                stepId: string | null;
            } | null;
            quality: number | null;
            costUsd: number;
            /** @description The Step Functions execution running it. */
            executionArn: string | null;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            finishedAt: string | null;
            steps: {
                id: string;
                order: number;
                /** @enum {string} */
                role: "step" | "supervisor" | "aggregator";
                /** @description The adaptive round that asked for it. */
                round: number | null;
                /** @description Null for a gate. */
                agentId: string | null;
                /** @description The input template, when the step has its own. */
                input?: unknown;
                /** @description A gate: the workflow waits here for a person (see approvals). */
                approval?: {
                    prompt: string;
                    /** @description Null until the gate is reached. */
                    approvalId: string | null;
                };
                dependsOn: string[];
                /** @enum {string} */
                status: "pending" | "running" | "succeeded" | "failed" | "cancelled";
                /** @description Null until the step has started; always null for a gate. */
                taskId: string | null;
                /** @description Any JSON value. */
                output: unknown;
                error: {
                    code: string;
                    message: string;
                } | null;
                costUsd: number;
                startedAt: string | null;
                finishedAt: string | null;
            }[];
        };
        Memory: {
            id: string;
            /** @description The owner: whose namespace holds it. */
            agentId: string;
            namespace: string;
            text: string;
            metadata: {
                [key: string]: unknown;
            };
            /** @description `admin` or `agent:<id>`. */
            createdBy: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            /** @description Null: kept until deleted. */
            expiresAt: string | null;
            embeddingModel: string;
        };
        MemorySearchResult: {
            items: {
                memory: components["schemas"]["Memory"];
                score: number;
                ownerAgentId: string;
            }[];
            /** @description Memories compared. */
            scanned: number;
            /** @description True when the search stopped at its bound. */
            truncated: boolean;
        };
        Grant: {
            id: string;
            /** @description The owner of the namespace. */
            agentId: string;
            namespace: string;
            /** @description An agent id or `tag:<tag>`. */
            grantee: string;
            /** @enum {string} */
            access: "read" | "write";
            createdBy: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            updatedAt: string;
        };
        SentMessage: {
            id: string;
            deliveredTo: string[];
        };
        InboxMessage: {
            id: string;
            from: string;
            /** @description The address as sent: an agent id or `tag:<tag>`. */
            to: string;
            subject: string;
            /** @description Any JSON value. */
            body: unknown;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            sentAt: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            expiresAt: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            deliveredAt: string;
            ackedAt: string | null;
            /** @description The task it started, for agents with onMessage: task. */
            taskId: string | null;
        };
        Models: {
            routes: {
                name: string;
                targets: ({
                    provider: string;
                    model?: string;
                    /** @enum {string} */
                    breaker: "closed" | "open" | "half-open";
                } & {
                    [key: string]: unknown;
                })[];
            }[];
            providers: string[];
            retry: {
                attempts: number;
                baseDelayMs: number;
            };
            breaker: {
                failureThreshold: number;
                cooldownMs: number;
            };
            models: {
                model: string;
                calls: number;
                errors: number;
                inputTokens: number;
                outputTokens: number;
                costUsd: number;
                /** @description Percentiles within 1% (a latency sketch). */
                latencyMs: {
                    p50: number | null;
                    p95: number | null;
                };
                /** @description False: not in the price table; its cost is 0. */
                priced: boolean;
            }[];
        };
        Budget: {
            id: string;
            /** @description `agent:<id>`, `tag:<tag>` or `all`. */
            scope: string;
            usdPerDay: number | null;
            usdPerMonth: number | null;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            updatedAt: string;
            spentTodayUsd: number;
            spentThisMonthUsd: number;
            /** @description What model calls in flight hold now. */
            reservedTodayUsd: number;
            reservedThisMonthUsd: number;
            /** @description Calls to unpriced models (0 USD). */
            unpricedCallsToday: number;
            unpricedCallsThisMonth: number;
            /** @description The UTC day the figures are for. */
            day: string;
            /** @description The UTC month the figures are for. */
            month: string;
        };
        Schedule: {
            id: string;
            /** @description rate(…), cron(…) or at(…), as EventBridge Scheduler. */
            expression: string;
            timezone: string;
            /** @description The POST /v1/tasks body each firing submits. */
            task?: {
                [key: string]: unknown;
            };
            /** @description The POST /v1/workflows body each firing submits. */
            workflow?: {
                [key: string]: unknown;
            };
            /** @enum {string} */
            overlap: "skip" | "allow";
            enabled: boolean;
            lastFiredAt: string | null;
            nextFireAt: string | null;
            lastRuns: {
                /**
                 * Format: date-time
                 * @description ISO-8601 UTC
                 */
                firedAt: string;
                /** @enum {string} */
                outcome: "submitted" | "skipped" | "failed";
                taskId?: string;
                workflowId?: string;
                reason?: string;
            }[];
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            updatedAt: string;
        };
        Tools: {
            items: components["schemas"]["Tool"][];
            /** @description With ?agentId=: MCP servers that could not be reached. */
            errors?: {
                server: string;
                message: string;
            }[];
        };
        Tool: {
            name: string;
            description: string;
            /** @description JSON Schema. */
            inputSchema: {
                [key: string]: unknown;
            };
            permission: string;
            timeoutMs: number;
            maxOutputBytes: number;
            callsPerMinute: number;
            /** @description `built-in` or `mcp:<server>`. */
            source: string;
            /** @description With ?agentId=: whether that agent may call it. */
            allowed?: boolean;
        };
        MintedApiKey: {
            keyId: string;
            /** @description `agent:<id>`: the key acts as that agent. */
            scope: string;
            /** @description The last four characters of the key. */
            hint: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            createdBy: string;
            revokedAt: string | null;
            /** @description The secret. */
            key: string;
        };
        ApiKey: {
            keyId: string;
            /** @description `agent:<id>`: the key acts as that agent. */
            scope: string;
            /** @description The last four characters of the key. */
            hint: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            createdAt: string;
            createdBy: string;
            revokedAt: string | null;
        };
        Event: {
            /** @description A ULID: sortable by time. */
            id: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            time: string;
            /** @description e.g. task.succeeded */
            type: string;
            /** @description agent-core.<layer> */
            source: string;
            correlationId: string;
            detail: {
                /** @constant */
                version: 1;
                id: string;
                /**
                 * Format: date-time
                 * @description ISO-8601 UTC
                 */
                time: string;
                correlationId: string;
                data: {
                    [key: string]: unknown;
                };
            };
        };
        Metrics: {
            windowSeconds: number;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            from: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            to: string;
            tasks: {
                submitted: number;
                succeeded: number;
                failed: number;
                deadLettered: number;
                /** @description Tasks submitted per minute. */
                perMinute: number;
                latencyMs: {
                    p50: number | null;
                    p95: number | null;
                    p99: number | null;
                };
            };
            byAgent: {
                [key: string]: {
                    submitted: number;
                    succeeded: number;
                    failed: number;
                    deadLettered: number;
                    /** @description Tasks submitted per minute. */
                    perMinute: number;
                    latencyMs: {
                        p50: number | null;
                        p95: number | null;
                        p99: number | null;
                    };
                };
            };
            byModel: {
                [key: string]: {
                    calls: number;
                    errors: number;
                    inputTokens: number;
                    outputTokens: number;
                    costUsd: number;
                    latencyMs: {
                        p50: number | null;
                        p95: number | null;
                    };
                };
            };
            queue: components["schemas"]["QueueStatus"];
        };
        AuditEntry: {
            eventId: string;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            time: string;
            actor: string;
            action: string;
            target: string;
            /** @enum {string} */
            outcome: "allowed" | "denied";
            detail: {
                [key: string]: unknown;
            };
        };
        AgentInsights: {
            agentId: string;
            /** @description Executions in the window. */
            executions: number;
            totalExecutions: number;
            successRate: number | null;
            successes: number;
            failures: number;
            costUsd: {
                total: number;
                mean: number | null;
            };
            quality: {
                mean: number;
                scored: number;
            } | null;
            trend: {
                /** @enum {string} */
                latency: "rising" | "falling" | "stable" | "unknown";
                /** @enum {string} */
                errorRate: "rising" | "falling" | "stable" | "unknown";
            };
            from: string | null;
            to: string | null;
            updatedAt: string | null;
            latencyMs: {
                p50: number | null;
                p95: number | null;
                mean: number | null;
            };
            baseline: {
                latencyMs: {
                    average: number;
                    logStdDev: number;
                } | null;
                errorRate: {
                    recent: number;
                    baseline: number;
                } | null;
            };
            anomalies: components["schemas"]["Anomaly"][];
        };
        Anomaly: {
            id: string;
            agentId: string;
            /** @enum {string} */
            metric: "latency" | "error-rate";
            value: number;
            baseline: number;
            zScore: number;
            taskId: string | null;
            /**
             * Format: date-time
             * @description ISO-8601 UTC
             */
            at: string;
            message: string;
        };
        InsightsReport: {
            strategies: {
                strategy: string;
                /** @description Executions in the window. */
                executions: number;
                totalExecutions: number;
                successRate: number | null;
                successes: number;
                failures: number;
                costUsd: {
                    total: number;
                    mean: number | null;
                };
                quality: {
                    mean: number;
                    scored: number;
                } | null;
                trend: {
                    /** @enum {string} */
                    latency: "rising" | "falling" | "stable" | "unknown";
                    /** @enum {string} */
                    errorRate: "rising" | "falling" | "stable" | "unknown";
                };
                from: string | null;
                to: string | null;
                updatedAt: string | null;
                latencyPerStepMs: {
                    p50: number | null;
                    p95: number | null;
                    mean: number | null;
                };
            }[];
            agents: components["schemas"]["AgentInsights"][];
            nextCursor: string | null;
            recentAnomalies: components["schemas"]["Anomaly"][];
        };
        Recommendation: {
            /** @enum {string} */
            strategy: "sequential" | "parallel" | "dag";
            confidence: number;
            basedOn: {
                executions: number;
            };
            rationale: string;
            /** @enum {string} */
            priority: "speed" | "quality" | "balanced";
            /** @description History was too thin: the default. */
            fallback: boolean;
            /** @enum {string} */
            qualityMeasure: "score" | "success";
            candidates: {
                /** @enum {string} */
                strategy: "sequential" | "parallel" | "dag";
                executions: number;
                utility: number | null;
                successRate: number | null;
                latencyPerStepMs: number | null;
                quality: number | null;
            }[];
        };
        OpenApiDocument: {
            openapi: string;
        } & {
            [key: string]: unknown;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Up. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listAgents: {
        parameters: {
            query?: {
                /** @description Only agents with this tag. */
                tag?: string;
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of agents. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Agent"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    registerAgent: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "id": "calculator",
                 *       "name": "Calculator",
                 *       "model": {
                 *         "provider": "scripted",
                 *         "turns": [
                 *           {
                 *             "toolCalls": [
                 *               {
                 *                 "name": "math.eval",
                 *                 "input": {
                 *                   "expression": "(2+3)*7"
                 *                 }
                 *               }
                 *             ]
                 *           },
                 *           {
                 *             "text": "The answer is {{lastToolResult}}"
                 *           }
                 *         ]
                 *       },
                 *       "tools": [
                 *         "math.eval"
                 *       ],
                 *       "tags": [
                 *         "demo"
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["AgentRegistration"];
            };
        };
        responses: {
            /** @description Registered. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The agent. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    retireAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The agent. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patchAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "instructions": "Answer in French.",
                 *       "tags": [
                 *         "demo",
                 *         "fr"
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["AgentPatch"];
            };
        };
        responses: {
            /** @description The changed agent. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    pauseAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The agent. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    resumeAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The agent. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listBlueprints: {
        parameters: {
            query?: {
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of blueprints. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Blueprint"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getBlueprint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The blueprint id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The blueprint. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Blueprint"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listTasks: {
        parameters: {
            query?: {
                agentId?: string;
                status?: "queued" | "running" | "retrying" | "waiting" | "succeeded" | "failed" | "cancelled";
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tasks. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Task"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    submitTask: {
        parameters: {
            query?: never;
            header?: {
                /** @description The same key with the same body within 24 h answers the first response again (with `idempotent-replayed: true`); with another body, 409. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "agentId": "calculator",
                 *       "input": "what is (2+3)*7?",
                 *       "priority": "critical"
                 *     }
                 */
                "application/json": components["schemas"]["TaskSubmission"];
            };
        };
        responses: {
            /** @description Accepted, queued. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The task id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    cancelTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The task id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cancelled task. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getTaskTrace: {
        parameters: {
            query?: {
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description The task id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of events. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["TraceEntry"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getQueue: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The queue. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueueStatus"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listDeadLetters: {
        parameters: {
            query?: {
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tasks. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Task"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    redriveDeadLetters: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "taskIds": [
                 *         "01J9ZQ4B7C8D9E0F1G2H3J4K5M"
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["RedriveRequest"];
            };
        };
        responses: {
            /** @description What was queued again, and what was not and why. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RedriveResult"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listThreads: {
        parameters: {
            query?: {
                agentId?: string;
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of threads. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Thread"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createThread: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "agentId": "support",
                 *       "metadata": {
                 *         "customer": "c-42"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ThreadRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Thread"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getThread: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The thread id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The thread. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Thread"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteThread: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The thread id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deleted thread, as it was. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Thread"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listThreadMessages: {
        parameters: {
            query?: {
                after?: string;
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description The thread id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of messages. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["ThreadMessage"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postThreadMessage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The thread id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "content": "And in euros?",
                 *       "priority": "normal",
                 *       "ifBusy": "queue"
                 *     }
                 */
                "application/json": components["schemas"]["ThreadMessageRequest"];
            };
        };
        responses: {
            /** @description Stored, and its turn queued. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PostedThreadMessage"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listApprovals: {
        parameters: {
            query?: {
                status?: "pending" | "approved" | "denied" | "expired";
                agentId?: string;
                taskId?: string;
                workflowId?: string;
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of approvals. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Approval"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getApproval: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The approval id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The approval. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Approval"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    decideApproval: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The approval id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "decision": "edit",
                 *       "input": {
                 *         "url": "https://example.com/"
                 *       },
                 *       "comment": "that page"
                 *     }
                 */
                "application/json": components["schemas"]["ApprovalDecision"];
            };
        };
        responses: {
            /** @description The decided approval. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Approval"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listWorkflows: {
        parameters: {
            query?: {
                status?: "running" | "succeeded" | "failed" | "cancelled";
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of workflows. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Workflow"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    startWorkflow: {
        parameters: {
            query?: never;
            header?: {
                /** @description The same key with the same body within 24 h answers the first response again (with `idempotent-replayed: true`); with another body, 409. */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "review-pipeline",
                 *       "strategy": "dag",
                 *       "input": "repo@main",
                 *       "steps": [
                 *         {
                 *           "id": "scan",
                 *           "agentId": "scanner"
                 *         },
                 *         {
                 *           "id": "review",
                 *           "agentId": "reviewer",
                 *           "input": "{{steps.scan.output}}",
                 *           "dependsOn": [
                 *             "scan"
                 *           ]
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["WorkflowRequest"];
            };
        };
        responses: {
            /** @description Started. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Workflow"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getWorkflow: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The workflow id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The workflow. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Workflow"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    cancelWorkflow: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The workflow id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The cancelled workflow. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Workflow"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listMemories: {
        parameters: {
            query?: {
                namespace?: string;
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description The agent id (the owner). */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of memories. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Memory"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    writeMemory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent id (the owner). */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "text": "Prefer early returns",
                 *       "namespace": "style",
                 *       "metadata": {
                 *         "source": "review"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["MemoryRequest"];
            };
        };
        responses: {
            /** @description Written. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Memory"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description TooManyRequests: wait the seconds Retry-After says. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteMemory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent id (the owner). */
                id: string;
                /** @description The memory id. */
                memoryId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deleted memory. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Memory"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    searchMemories: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent that searches. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                /**
                 * @example {
                 *       "query": "early return",
                 *       "k": 5,
                 *       "includeShared": true,
                 *       "minScore": 0.2
                 *     }
                 */
                "application/json": components["schemas"]["MemorySearch"];
            };
        };
        responses: {
            /** @description The best matches. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemorySearchResult"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description TooManyRequests: wait the seconds Retry-After says. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listGrants: {
        parameters: {
            query?: {
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description The agent id (the owner). */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of grants. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Grant"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    grantMemoryAccess: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent id (the owner). */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "namespace": "style",
                 *       "grantee": "tag:analysis",
                 *       "access": "read"
                 *     }
                 */
                "application/json": components["schemas"]["GrantRequest"];
            };
        };
        responses: {
            /** @description An existing grant, as it now is. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Grant"];
                };
            };
            /** @description Granted. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Grant"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    revokeGrant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent id (the owner). */
                id: string;
                /** @description The grant id. */
                grantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The revoked grant. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Grant"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    sendMessage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "from": "scanner",
                 *       "to": "tag:reviewers",
                 *       "subject": "findings",
                 *       "body": {
                 *         "count": 3
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["MessageRequest"];
            };
        };
        responses: {
            /** @description Sent; delivered from the bus. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SentMessage"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description TooManyRequests: wait the seconds Retry-After says. */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again. */
                    "retry-after": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    readInbox: {
        parameters: {
            query?: {
                /** @description An ISO-8601 time, or a message id (messages after it). */
                since?: string;
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description The recipient agent id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of messages. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["InboxMessage"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    ackMessage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The recipient agent id. */
                id: string;
                /** @description The message id. */
                messageId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The message. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InboxMessage"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listModels: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Routes, providers, statistics. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Models"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listBudgets: {
        parameters: {
            query?: {
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of budgets. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Budget"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createBudget: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "id": "team-daily",
                 *       "scope": "tag:analysis",
                 *       "usdPerDay": 5,
                 *       "usdPerMonth": 100
                 *     }
                 */
                "application/json": components["schemas"]["BudgetRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Budget"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getBudget: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The budget id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The budget. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Budget"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteBudget: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The budget id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deleted budget. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Budget"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patchBudget: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The budget id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "usdPerDay": 10,
                 *       "usdPerMonth": null
                 *     }
                 */
                "application/json": components["schemas"]["BudgetPatch"];
            };
        };
        responses: {
            /** @description The changed budget. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Budget"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listSchedules: {
        parameters: {
            query?: {
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of schedules. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Schedule"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "id": "nightly-review",
                 *       "expression": "cron(0 2 * * ? *)",
                 *       "timezone": "Europe/Paris",
                 *       "task": {
                 *         "agentId": "reviewer",
                 *         "input": "review main"
                 *       }
                 *     }
                 */
                "application/json": components["schemas"]["ScheduleRequest"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The schedule id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedule. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The schedule id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deleted schedule. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patchSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The schedule id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "enabled": false
                 *     }
                 */
                "application/json": components["schemas"]["SchedulePatch"];
            };
        };
        responses: {
            /** @description The changed schedule. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Schedule"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listTools: {
        parameters: {
            query?: {
                agentId?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every tool. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tools"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listKeys: {
        parameters: {
            query?: {
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of keys. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["ApiKey"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "scope": "agent:calculator"
                 *     }
                 */
                "application/json": components["schemas"]["KeyRequest"];
            };
        };
        responses: {
            /** @description The key, shown this once. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MintedApiKey"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    revokeKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The key id (`keyId`). */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The revoked key. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listEvents: {
        parameters: {
            query?: {
                type?: string;
                since?: string;
                agentId?: string;
                after?: string;
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of events. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Event"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: {
                windowSeconds?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The window, rounded out to whole minutes. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Metrics"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listAudit: {
        parameters: {
            query?: {
                /** @description `admin`, `agent:<id>`… */
                actor?: string;
                action?: string;
                since?: string;
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of entries. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["AuditEntry"][];
                        /** @description Pass as `?cursor=` for the next page; null on the last page. */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAgentInsights: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The agent id. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Its insights. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AgentInsights"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description NotFound. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getInsightsReport: {
        parameters: {
            query?: {
                /** @description Items per page, 1..100. */
                limit?: number;
                /** @description The `nextCursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InsightsReport"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: the key may not do this (agent keys act as their agent only). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    recommendStrategy: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "steps": [
                 *         {
                 *           "id": "scan",
                 *           "agentId": "scanner"
                 *         },
                 *         {
                 *           "id": "review",
                 *           "agentId": "reviewer",
                 *           "dependsOn": [
                 *             "scan"
                 *           ]
                 *         }
                 *       ],
                 *       "priority": "balanced"
                 *     }
                 */
                "application/json": components["schemas"]["RecommendRequest"];
            };
        };
        responses: {
            /** @description The recommendation. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Recommendation"];
                };
            };
            /** @description ValidationError (details name each bad field) or BadJson. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: no key, or a key that is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description PayloadTooLarge: the body is over 256 KiB. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenApiDocument"];
                };
            };
            /** @description InternalError: logged with the request id; nothing half-written. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}

/**
 * The names a deployment and the runtime share: the environment variables that tell a function
 * where its resources are, and the ids of the task queues by priority. The topology and the CDK
 * stack (infra/) set them, the local runtime sets them, and the runtime's configuration reads
 * them; they live here so that the product's code never imports the infrastructure's.
 */

export const TABLE_NAME_ENV = 'TABLE_NAME';
export const EVENT_BUS_NAME_ENV = 'EVENT_BUS_NAME';
export const ADMIN_KEY_SECRET_ENV = 'ADMIN_KEY_SECRET_ID';
export const MODEL_ROUTES_ENV = 'AGENT_CORE_MODEL_ROUTES';
export const EMBEDDINGS_ENV = 'AGENT_CORE_EMBEDDINGS';
/** The API Gateway Management API endpoint of the dashboard's WebSocket API. */
export const WEBSOCKET_ENDPOINT_ENV = 'WEBSOCKET_MANAGEMENT_ENDPOINT';
/** The ARN of the workflow-runner state machine. */
export const WORKFLOW_STATE_MACHINE_ARN_ENV = 'WORKFLOW_STATE_MACHINE_ARN';
/** Where schedules' timers live and whom they fire (see the topology's SchedulesSpec). */
export const SCHEDULE_ENV = {
  groupName: 'SCHEDULE_GROUP_NAME',
  targetArn: 'SCHEDULE_TARGET_ARN',
  roleArn: 'SCHEDULE_ROLE_ARN',
  deadLetterArn: 'SCHEDULE_DLQ_ARN',
} as const;

/** Environment variable that carries a queue's URL to a function, e.g. `QUEUE_URL_TASKS_LOW`. */
export const queueUrlEnv = (queueId: string): string =>
  `QUEUE_URL_${queueId.replace(/-/g, '_').toUpperCase()}`;

/** The task queue of each priority (its DLQ is `<id>-dlq`); the topology declares them. */
export const TASK_QUEUE_BY_PRIORITY = {
  critical: 'tasks-critical',
  normal: 'tasks-normal',
  low: 'tasks-low',
} as const;

/** Approvals' timers: a delayed message per approval, consumed when the approval is due. */
export const APPROVAL_TIMER_QUEUE = 'approval-timers';
/** Deleted threads' messages go in the background: a long thread is many items. */
export const THREAD_CLEANUP_QUEUE = 'thread-cleanup';

/** The dead-letter queue of a task queue. */
export const deadLetterQueueOf = (queueId: string): string => `${queueId}-dlq`;

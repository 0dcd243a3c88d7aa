/**
 * The credentials of the stack's own services (DynamoDB, SQS, EventBridge, EventBridge
 * Scheduler, Step Functions, Secrets Manager, the API Gateway Management API) when the local
 * runtime serves them. The runtime makes a fresh pair at each start, puts it in these two
 * variables for its clients and refuses any request to its internal endpoints not signed with
 * it. Unset (Lambda, LocalStack), those clients use the SDK's default credential chain, as
 * Bedrock's always does: locally it must keep reaching AWS with your own credentials.
 */
export const RESOURCE_ACCESS_KEY_ID_ENV = 'AGENT_CORE_RESOURCE_ACCESS_KEY_ID';
export const RESOURCE_SECRET_ACCESS_KEY_ENV = 'AGENT_CORE_RESOURCE_SECRET_ACCESS_KEY';

export interface ResourceCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The pair from the environment, or undefined when either half is unset. */
export function resourceCredentials(): ResourceCredentials | undefined {
  const accessKeyId = process.env[RESOURCE_ACCESS_KEY_ID_ENV];
  const secretAccessKey = process.env[RESOURCE_SECRET_ACCESS_KEY_ENV];
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

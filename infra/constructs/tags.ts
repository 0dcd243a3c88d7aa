/**
 * Tags that map synthesized resources back to their topology names. Besides telling operators
 * (and cost reports) what a resource is for, they let tests/infra find a function or queue in
 * the template without depending on CDK's generated logical ids.
 */
export const FUNCTION_TAG = 'agent-core:function';
export const LAYER_TAG = 'agent-core:layer';
export const QUEUE_TAG = 'agent-core:queue';

/**
 * The process's X-Ray tracer (Powertools Tracer). Active only in Lambda with tracing on; locally
 * it does nothing, so the same clients and handlers run unchanged.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer();

/**
 * Structured JSON logs (Powertools Logger), one logger per function. Log level from
 * `POWERTOOLS_LOG_LEVEL` (or `AWS_LAMBDA_LOG_LEVEL` in Lambda); never log keys or whole events.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const createLogger = (serviceName: string): Logger =>
  new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });

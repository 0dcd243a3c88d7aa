/**
 * The secrets functions may read (topology `readSecrets`). Today one: the admin API key that
 * bootstraps access to the HTTP API.
 */
import { Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { SecretId } from '../topology.js';

export class ApiSecrets extends Construct {
  readonly byId: Record<SecretId, secretsmanager.Secret>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const adminApiKey = new secretsmanager.Secret(this, 'admin-api-key', {
      description: 'agent-core admin API key: a Bearer token with every scope.',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(adminApiKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The admin API key is a bearer token handed to an operator, not a credential the stack ' +
        'can rotate on its own: a rotation Lambda would invalidate the key the operator holds ' +
        'without telling them. The operator rotates it on their own schedule ' +
        '(secretsmanager put-secret-value) and hands the new key to its users.',
    });
    this.byId = { 'admin-api-key': adminApiKey };
  }
}

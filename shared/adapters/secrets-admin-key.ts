/** The admin API key from Secrets Manager, fetched on first use and cached for five minutes. */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type AdminKeySource, hashKey } from '../core/security/api-keys.js';

const CACHE_MS = 5 * 60_000;

export class SecretsManagerAdminKey implements AdminKeySource {
  private cached: { hash: Buffer; until: number } | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async adminKeyHash(): Promise<Buffer> {
    if (this.cached && this.cached.until > this.now()) return this.cached.hash;
    const result = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    if (!result.SecretString) throw new Error(`secret ${this.secretId} has no string value`);
    this.cached = { hash: hashKey(result.SecretString), until: this.now() + CACHE_MS };
    return this.cached.hash;
  }
}

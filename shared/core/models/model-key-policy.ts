/**
 * Which environment variables a model's API key may be read from (`apiKeyEnv` of an `openai`
 * target). Whoever registers an agent chooses its `baseUrl` too, so a free choice of variable
 * would send any secret of the process (the admin key, AWS credentials) to any server: only
 * variables meant for model keys are allowed, i.e. `AGENT_CORE_MODEL_KEY_<NAME>`, the default
 * `AGENT_CORE_OPENAI_API_KEY`, and the names the deployer lists in `AGENT_CORE_ALLOWED_KEY_ENVS`;
 * never the admin key's variable, whatever the list says.
 */

export const MODEL_KEY_PREFIX = 'AGENT_CORE_MODEL_KEY_';
export const DEFAULT_MODEL_KEY_ENV = 'AGENT_CORE_OPENAI_API_KEY';
/** The local runtime's admin key (API.md); never a model key. */
export const ADMIN_KEY_ENV = 'AGENT_CORE_API_KEY';
/** Where the deployer lists further variables (comma-separated), read once per process. */
export const ALLOWED_KEY_ENVS_VARIABLE = 'AGENT_CORE_ALLOWED_KEY_ENVS';

export class ModelKeyPolicy {
  private readonly listed: ReadonlySet<string>;

  constructor(listed: readonly string[] = []) {
    this.listed = new Set(listed);
  }

  allows(name: string): boolean {
    if (name === ADMIN_KEY_ENV) return false;
    return (
      name === DEFAULT_MODEL_KEY_ENV ||
      (name.startsWith(MODEL_KEY_PREFIX) && name.length > MODEL_KEY_PREFIX.length) ||
      this.listed.has(name)
    );
  }

  /** Why a name is refused, for the field's error. */
  explain(): string {
    return `not a variable for model keys: use ${MODEL_KEY_PREFIX}<NAME>, ${DEFAULT_MODEL_KEY_ENV}, or a name listed in ${ALLOWED_KEY_ENVS_VARIABLE}`;
  }
}

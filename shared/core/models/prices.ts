/**
 * USD per million tokens, input and output, for the models agent-core knows (on-demand list
 * prices in us-east-1 as published by AWS and OpenAI in 2025; check your provider's current
 * prices and override with `AGENT_CORE_MODEL_PRICES`, a JSON object of the same shape).
 * Unknown models cost 0 and are reported as unpriced.
 */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  echo: { inputPerMillion: 0, outputPerMillion: 0 },
  scripted: { inputPerMillion: 0, outputPerMillion: 0 },
  'bedrock:anthropic.claude-3-haiku-20240307-v1:0': {
    inputPerMillion: 0.25,
    outputPerMillion: 1.25,
  },
  'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0': { inputPerMillion: 0.8, outputPerMillion: 4 },
  'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'bedrock:anthropic.claude-3-7-sonnet-20250219-v1:0': { inputPerMillion: 3, outputPerMillion: 15 },
  'bedrock:amazon.nova-micro-v1:0': { inputPerMillion: 0.035, outputPerMillion: 0.14 },
  'bedrock:amazon.nova-lite-v1:0': { inputPerMillion: 0.06, outputPerMillion: 0.24 },
  'bedrock:amazon.nova-pro-v1:0': { inputPerMillion: 0.8, outputPerMillion: 3.2 },
  'bedrock:meta.llama3-1-8b-instruct-v1:0': { inputPerMillion: 0.22, outputPerMillion: 0.22 },
  'bedrock:meta.llama3-1-70b-instruct-v1:0': { inputPerMillion: 0.72, outputPerMillion: 0.72 },
  'openai:gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'openai:gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'openai:gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'openai:gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
};

export class PriceTable {
  private readonly prices: Map<string, ModelPrice>;

  constructor(overrides: Record<string, ModelPrice> = {}) {
    this.prices = new Map(Object.entries({ ...DEFAULT_PRICES, ...overrides }));
  }

  /** The model's price per million tokens; undefined for a model the table does not know. */
  price(model: string): ModelPrice | undefined {
    return this.prices.get(model);
  }

  /**
   * The dearest of these models, input and output priced apart (an upper bound of any call to
   * one of them); `priced` is false when none of them is known.
   */
  bound(models: readonly string[]): ModelPrice & { priced: boolean } {
    const known = models.flatMap((model) => this.prices.get(model) ?? []);
    return {
      inputPerMillion: Math.max(0, ...known.map((p) => p.inputPerMillion)),
      outputPerMillion: Math.max(0, ...known.map((p) => p.outputPerMillion)),
      priced: known.length > 0,
    };
  }

  /** Price of a call to the model named as providers name themselves (`bedrock:<id>`, …). */
  cost(
    model: string,
    inputTokens: number,
    outputTokens: number,
  ): { costUsd: number; priced: boolean } {
    const price = this.prices.get(model);
    if (!price) return { costUsd: 0, priced: false };
    const costUsd =
      (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1e6;
    return { costUsd: Math.round(costUsd * 1e9) / 1e9, priced: true };
  }
}

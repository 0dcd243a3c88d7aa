/**
 * Strategy recommendation from the strategies' history.
 *
 * Candidates: `sequential` and `parallel` when no step depends on another; `sequential` and `dag`
 * when some do (parallel would ignore the dependencies). Each past execution of a candidate gets
 * a utility in 0..1 for the priority asked:
 *
 * - speed: a successful run's latency per step L scores Lref / (Lref + L), where Lref is the
 *   median per-step latency of both candidates' successful runs (0.5 at the median, higher when
 *   faster). Failed runs are left out: their time says nothing about speed.
 * - quality: a run's quality score (a failed run scores 0) when both candidates have at least
 *   MIN_EXECUTIONS scored runs; otherwise success (1) or failure (0) for every run.
 * - balanced: half the speed score plus half the quality score of a successful run; a failed run
 *   scores 0.
 *
 * The candidate with the higher mean utility wins. Confidence grows with the evidence: with Δ the
 * difference of the two means and σ = √(v₁/n₁ + v₂/n₂) its standard error (each variance shrunk
 * towards 0.05 with the weight of 2 runs, so a handful of identical runs cannot make σ zero),
 * confidence = 2Φ(Δ/σ) − 1: 0 when the means are equal, towards 1 as the difference stands
 * out from the noise; for a given difference it rises as n grows, since σ shrinks like 1/√n.
 * With fewer than MIN_EXECUTIONS usable runs of either candidate the answer is the default
 * (`parallel`, or `dag` with dependencies: independent steps run at once, the faster choice when
 * nothing is known) with confidence FALLBACK_CONFIDENCE and a rationale that says so.
 */
import type { RecommendableStrategy } from '../../../events/workflow-strategies.js';
import { type Execution, latenciesOf, mean, percentile } from './stats.js';

export const PRIORITIES = ['speed', 'quality', 'balanced'] as const;
export type RecommendPriority = (typeof PRIORITIES)[number];

/** Usable past runs each candidate needs before history decides. */
export const MIN_EXECUTIONS = 5;
/** The confidence of the default, answered when history is too thin. */
export const FALLBACK_CONFIDENCE = 0.1;
const PRIOR_VARIANCE = 0.05;
const PRIOR_WEIGHT = 2;

export interface CandidateEvidence {
  strategy: RecommendableStrategy;
  /** Past runs that had a utility for this priority. */
  executions: number;
  /** Mean utility (0..1); null without runs. */
  utility: number | null;
  successRate: number | null;
  /** Median latency per step of successful runs. */
  latencyPerStepMs: number | null;
  /** Mean quality score of the runs that had one. */
  quality: number | null;
}

export interface Recommendation {
  strategy: RecommendableStrategy;
  /** 0..1: how sure the evidence makes the choice (see the module comment). */
  confidence: number;
  basedOn: { executions: number };
  rationale: string;
  priority: RecommendPriority;
  /** True when history was too thin and the default was answered. */
  fallback: boolean;
  /** What `quality` (and balanced's quality half) was measured by. */
  qualityMeasure: 'score' | 'success';
  candidates: CandidateEvidence[];
}

export const defaultStrategy = (hasDependencies: boolean): RecommendableStrategy =>
  hasDependencies ? 'dag' : 'parallel';

/** The candidates, the default first (it wins ties). */
export const candidatesFor = (hasDependencies: boolean): RecommendableStrategy[] => [
  defaultStrategy(hasDependencies),
  'sequential',
];

/** Φ, the standard normal CDF (Abramowitz and Stegun 7.1.26; error below 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** 2Φ(Δ/σ) − 1 for Δ ≥ 0: how far the difference stands out of its noise. */
export function confidenceOf(delta: number, standardError: number): number {
  if (delta <= 0) return 0;
  if (standardError <= 0) return 1;
  return Math.min(1, Math.max(0, 2 * normalCdf(delta / standardError) - 1));
}

function utilitiesOf(
  window: readonly Execution[],
  priority: RecommendPriority,
  measure: 'score' | 'success',
  referenceLatency: number | null,
): number[] {
  const speed = (e: Execution): number | undefined =>
    e.ok && e.latencyMs !== null && referenceLatency !== null
      ? referenceLatency + e.latencyMs > 0
        ? referenceLatency / (referenceLatency + e.latencyMs)
        : 1
      : undefined;
  const quality = (e: Execution): number | undefined => {
    if (measure === 'success') return e.ok ? 1 : 0;
    if (!e.ok) return 0;
    return e.quality ?? undefined;
  };
  const utility = (e: Execution): number | undefined => {
    switch (priority) {
      case 'speed':
        return speed(e);
      case 'quality':
        return quality(e);
      case 'balanced': {
        if (!e.ok) return 0;
        const s = speed(e);
        const q = quality(e);
        return s === undefined || q === undefined ? undefined : (s + q) / 2;
      }
    }
  };
  return window.flatMap((e) => {
    const u = utility(e);
    return u === undefined ? [] : [u];
  });
}

/** Mean, and the variance shrunk towards the prior (the sample variance once runs are many). */
function meanAndVariance(values: readonly number[]): { mean: number; variance: number } | null {
  const m = mean(values);
  if (m === null) return null;
  const squares = values.reduce((sum, v) => sum + (v - m) ** 2, 0);
  const variance = (squares + PRIOR_WEIGHT * PRIOR_VARIANCE) / (values.length - 1 + PRIOR_WEIGHT);
  return { mean: m, variance };
}

const round = (value: number | null, digits = 3): number | null =>
  value === null ? null : Number(value.toFixed(digits));

const percent = (value: number | null): string =>
  value === null ? 'n/a' : `${(value * 100).toFixed(0)}%`;
const ms = (value: number | null): string =>
  value === null ? 'n/a' : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;

/**
 * Chooses among the candidates for a set of steps under a priority, from each candidate's window
 * of past executions (missing: no history).
 */
export function chooseStrategy(
  request: { hasDependencies: boolean; priority: RecommendPriority },
  history: Partial<Record<RecommendableStrategy, readonly Execution[]>>,
): Recommendation {
  const { priority, hasDependencies } = request;
  const candidates = candidatesFor(hasDependencies);
  const windows = candidates.map((strategy) => history[strategy] ?? []);
  const allLatencies = windows.flatMap(latenciesOf).sort((a, b) => a - b);
  const referenceLatency = percentile(allLatencies, 50);
  const scored = (window: readonly Execution[]) =>
    window.filter((e) => e.ok && e.quality !== null).length;
  const measure: 'score' | 'success' = windows.every((w) => scored(w) >= MIN_EXECUTIONS)
    ? 'score'
    : 'success';

  const evaluated = candidates.map((strategy, i) => {
    const window = windows[i] as readonly Execution[];
    const utilities = utilitiesOf(window, priority, measure, referenceLatency);
    const stats = meanAndVariance(utilities);
    const scores = window.flatMap((e) => (e.quality === null ? [] : [e.quality]));
    const evidence: CandidateEvidence = {
      strategy,
      executions: utilities.length,
      utility: round(stats?.mean ?? null, 4),
      successRate: round(
        window.length ? window.filter((e) => e.ok).length / window.length : null,
        4,
      ),
      latencyPerStepMs: round(
        percentile(
          latenciesOf(window).sort((a, b) => a - b),
          50,
        ),
      ),
      quality: round(mean(scores), 4),
    };
    return { evidence, stats };
  });
  const executions = evaluated.reduce((sum, c) => sum + c.evidence.executions, 0);
  const answer = (
    strategy: RecommendableStrategy,
    confidence: number,
    rationale: string,
    fallback: boolean,
  ): Recommendation => ({
    strategy,
    confidence,
    basedOn: { executions },
    rationale,
    priority,
    fallback,
    qualityMeasure: measure,
    candidates: evaluated.map((c) => c.evidence),
  });

  const thin = evaluated.filter((c) => c.evidence.executions < MIN_EXECUTIONS);
  if (thin.length > 0) {
    const fallback = defaultStrategy(hasDependencies);
    const counts = evaluated
      .map((c) => `${c.evidence.strategy} ${c.evidence.executions}`)
      .join(', ');
    return answer(
      fallback,
      FALLBACK_CONFIDENCE,
      `Not enough history to compare: ${priority} needs at least ${MIN_EXECUTIONS} usable past runs of each candidate and there are ${counts}. ` +
        `Defaulting to ${fallback}, which runs ${hasDependencies ? 'steps as soon as their dependencies are done' : 'every step at once'}: the faster choice when nothing is known.`,
      true,
    );
  }

  // Highest mean utility first; on a tie the earlier candidate (the default) stays first.
  const ranked = [...evaluated].sort((a, b) => (b.stats?.mean ?? 0) - (a.stats?.mean ?? 0));
  const [best, other] = ranked as [(typeof ranked)[number], (typeof ranked)[number]];
  const b = best.stats as { mean: number; variance: number };
  const o = other.stats as { mean: number; variance: number };
  const delta = b.mean - o.mean;
  const standardError = Math.sqrt(
    b.variance / best.evidence.executions + o.variance / other.evidence.executions,
  );
  // Three decimals, and never quite certain: history is a sample, not a proof.
  const confidence = Math.min(0.999, Number(confidenceOf(delta, standardError).toFixed(3)));
  const x = best.evidence;
  const y = other.evidence;
  const qualityWords =
    measure === 'score'
      ? `a mean quality score of ${round(x.quality, 2)} against ${round(y.quality, 2)}`
      : `a success rate of ${percent(x.successRate)} against ${percent(y.successRate)}`;
  const why = {
    speed: `${x.strategy} is faster: ${ms(x.latencyPerStepMs)} per step at the median against ${ms(y.latencyPerStepMs)} for ${y.strategy}`,
    quality: `${x.strategy} does better on quality: ${qualityWords} for ${y.strategy}${measure === 'success' ? ' (too few quality scores to compare, so success counts)' : ''}`,
    balanced: `${x.strategy} has the better balance of speed and quality (half each): ${ms(x.latencyPerStepMs)} per step against ${ms(y.latencyPerStepMs)}, and ${qualityWords} for ${y.strategy}`,
  }[priority];
  const sureness =
    confidence >= 0.9
      ? 'a difference this large is unlikely to be noise'
      : confidence >= 0.5
        ? 'the difference is probably real but more runs would settle it'
        : 'the two are close, so the choice is uncertain';
  return answer(
    x.strategy,
    confidence,
    `${why}. Over ${x.executions} and ${y.executions} past runs ${sureness} (confidence ${confidence}).`,
    false,
  );
}

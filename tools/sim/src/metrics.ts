/**
 * Distribution statistics: quantiles, five-number summaries, mean, coefficient of variation,
 * and the summary of a per-block series (min, mean, median, p99, max).
 */

/**
 * The `q` quantile (0 ≤ q ≤ 1) of ascending `sorted` values, by the nearest-rank method: the
 * value at rank ⌈q·n⌉ (rank 1 for q = 0). Always one of the values, so swarm sizes stay whole
 * numbers. `NaN` for an empty list.
 *
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5); // 2
 * quantile([1, 2, 3, 4], 0.75); // 3
 * ```
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be in [0, 1], got ${q}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * n));
  return sorted[rank - 1] as number;
}

/** A five-number summary plus the mean and the count. */
export interface Distribution {
  count: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
  mean: number;
}

/** The {@link Distribution} of `values` (any order; not modified). All `NaN` when empty. */
export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return {
    count: sorted.length,
    min: quantile(sorted, 0),
    p25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    max: quantile(sorted, 1),
    mean: mean(sorted),
  };
}

/** Arithmetic mean; `NaN` for an empty list. */
export function mean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] as number;
  return sum / n;
}

/** Population standard deviation; `NaN` for an empty list. */
export function standardDeviation(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const average = mean(values);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const delta = (values[i] as number) - average;
    sum += delta * delta;
  }
  return Math.sqrt(sum / n);
}

/** Standard deviation over mean (population); `NaN` when empty or the mean is 0. */
export function coefficientOfVariation(values: ArrayLike<number>): number {
  const average = mean(values);
  if (!(average !== 0)) return Number.NaN;
  return standardDeviation(values) / average;
}

/** How evenly a quantity (pubkeys, stored data) spreads over holders (swarms or nodes). */
export interface Spread {
  /** Number of holders. */
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Coefficient of variation (standard deviation / mean). */
  coefficientOfVariation: number;
  /** Largest holder over the mean: 1 is perfectly even. */
  maxOverMean: number;
}

/** The {@link Spread} of per-holder amounts. */
export function spread(values: ArrayLike<number>): Spread {
  const stats = distribution(values);
  return {
    count: stats.count,
    min: stats.min,
    max: stats.max,
    mean: stats.mean,
    coefficientOfVariation: coefficientOfVariation(values),
    maxOverMean: stats.max / stats.mean,
  };
}

/** A per-block series summarised: what the summary table shows for each figure. */
export interface SeriesSummary {
  min: number;
  mean: number;
  median: number;
  p99: number;
  max: number;
}

/** The {@link SeriesSummary} of a per-block series (all `NaN` when empty). */
export function summarizeSeries(values: ArrayLike<number>): SeriesSummary {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return {
    min: quantile(sorted, 0),
    mean: mean(sorted),
    median: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: quantile(sorted, 1),
  };
}

// Whether a metric changed by more than the noise, from repeats paired by seed: candidate and baseline trained
// on the same split (the seed), so each seed gives one difference, and the split's own variation cancels out of
// it. The interval of the mean difference is Student's t (the differences' spread is estimated from the same few
// repeats); a change is "better" or "worse" only when that interval excludes 0 AND the mean change is larger
// than the metric's threshold. Pure, and without a statistics dependency: the t quantile is computed here.
// docs/design.md, "Noise-aware verdict", says why a paired t interval and not a bootstrap.
import type { Goal } from '../config/config-types.js';

export function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** The sample standard deviation (n − 1); 0 for fewer than two values. */
export function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

// ln Γ(x) for x > 0 by Lanczos' approximation (g = 7, 9 terms), about 15 significant digits.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

// The continued fraction of the regularised incomplete beta function, evaluated by the modified Lentz method;
// it converges quickly for x < (a + 1) / (a + b + 2), and incompleteBeta uses the symmetry otherwise.
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (const step of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + step * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + step / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return f;
}

/** I_x(a, b), the regularised incomplete beta function. */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p, for 0.5 ≤ p < 1 (what a two-sided interval needs), by bisection on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p >= 0.5 && p < 1) || !(df >= 1)) throw new RangeError(`no t quantile for p=${p}, df=${df}`);
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  // 200 halvings take any bracket below a double's resolution; the loop stops earlier when it stops moving.
  for (let i = 0; i < 200 && high - low > 1e-14 * high; i++) {
    const mid = (low + high) / 2;
    if (studentTCdf(mid, df) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

export interface PairedInterval {
  pairs: number;
  /** Mean of candidate − baseline over the pairs. */
  mean: number;
  /** Half the width of the interval: the interval is mean ± half. */
  half: number;
  confidence: number;
}

/** The two-sided `confidence` interval of the mean of paired differences; needs at least two pairs. */
export function pairedInterval(differences: readonly number[], confidence: number): PairedInterval {
  const n = differences.length;
  if (n < 2) throw new RangeError('a paired interval needs at least two pairs');
  const t = studentTQuantile((1 + confidence) / 2, n - 1);
  return { pairs: n, mean: mean(differences), half: (t * sampleSd(differences)) / Math.sqrt(n), confidence };
}

/**
 * "better"/"worse" only when the interval excludes 0 and the mean change is larger than the threshold (the same
 * float tolerance as the one-run rule, so a threshold of 0.001 treats exactly 0.001 as no change); otherwise
 * "noise": the difference is not told apart from what the split alone does, or too small to matter.
 */
export function noiseVerdict(interval: PairedInterval, threshold: number, goal: Goal): 'better' | 'worse' | 'noise' {
  const excludesZero = interval.mean - interval.half > 0 || interval.mean + interval.half < 0;
  if (!excludesZero || Math.abs(interval.mean) <= threshold + 1e-12) return 'noise';
  return interval.mean < 0 === (goal === 'minimize') ? 'better' : 'worse';
}

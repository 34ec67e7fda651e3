import { describe, expect, it } from '@jest/globals';
import {
  mean,
  noiseVerdict,
  pairedInterval,
  sampleSd,
  studentTCdf,
  studentTQuantile,
} from '../../../src/report/paired-verdict.js';

// Reference values computed once with SciPy 1.17.1 in the project's venv (~/.cache/trainbot/venv-*):
//   stats.t.ppf(p, df), stats.t.cdf(t, df), and
//   stats.ttest_rel(c, b).confidence_interval(conf) for the arrays below; pasted here as literals.
const T_QUANTILES: [number, number, number][] = [
  [0.975, 1, 12.706204736174694],
  [0.975, 2, 4.302652729749462],
  [0.975, 4, 2.7764451051977934],
  [0.975, 9, 2.262157162798205],
  [0.975, 29, 2.045229642132703],
  [0.995, 2, 9.924843200918287],
  [0.9, 4, 1.533206274058944],
  [0.75, 3, 0.7648923284043444],
  [0.9995, 1, 636.6192487687897],
];
const T_CDF: [number, number, number][] = [
  [-2.5, 3, 0.04385332350403278],
  [0.7, 5, 0.7424255258425918],
  [12.0, 2, 0.9965635331614208],
];
const CANDIDATE = [0.731, 0.744, 0.722, 0.751, 0.738];
const BASELINE = [0.739, 0.749, 0.731, 0.76, 0.742];
const diffs = (c: number[], b: number[]) => c.map((v, i) => v - (b[i] as number));

describe('Student t', () => {
  it.each(T_QUANTILES)('quantile p=%p df=%p is SciPy’s %p', (p, df, expected) => {
    expect(studentTQuantile(p, df)).toBeCloseTo(expected, 9);
  });
  it.each(T_CDF)('cdf at t=%p df=%p is SciPy’s %p', (t, df, expected) => {
    expect(studentTCdf(t, df)).toBeCloseTo(expected, 12);
  });
  it('refuses a p outside [0.5, 1) or fewer than one degree of freedom', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError);
    expect(() => studentTQuantile(0.4, 3)).toThrow(RangeError);
    expect(() => studentTQuantile(0.975, 0)).toThrow(RangeError);
  });
});

describe('mean and sd', () => {
  it('gives the sample sd (n − 1), as numpy.std(ddof=1) does', () => {
    expect(mean(CANDIDATE)).toBeCloseTo(0.7372, 12);
    expect(sampleSd(CANDIDATE)).toBeCloseTo(0.011256109452204177, 12);
    expect(sampleSd([0.7])).toBe(0);
  });
});

describe('pairedInterval', () => {
  it('matches SciPy’s ttest_rel interval at 95% and 99%', () => {
    const at95 = pairedInterval(diffs(CANDIDATE, BASELINE), 0.95);
    expect(at95.pairs).toBe(5);
    expect(at95.mean - at95.half).toBeCloseTo(-0.009911960192790161, 10);
    expect(at95.mean + at95.half).toBeCloseTo(-0.004088039807209851, 10);
    const at99 = pairedInterval(diffs(CANDIDATE, BASELINE), 0.99);
    expect(at99.mean - at99.half).toBeCloseTo(-0.011828815438886697, 10);
    expect(at99.mean + at99.half).toBeCloseTo(-0.002171184561113315, 10);
  });
  it('needs two pairs', () => {
    expect(() => pairedInterval([0.1], 0.95)).toThrow(RangeError);
  });
});

describe('noiseVerdict', () => {
  const clear = pairedInterval(diffs(CANDIDATE, BASELINE), 0.95); // −0.0070, interval [−0.0099, −0.0041]
  // SciPy: [−0.025127, 0.028460] — the split's noise swamps a −0.0003 mean change.
  const noisy = pairedInterval(diffs([0.712, 0.763, 0.735], [0.715, 0.749, 0.741]), 0.95);

  it('calls a change better or worse only when the interval excludes 0 and the change beats the threshold', () => {
    expect(noiseVerdict(clear, 0.001, 'minimize')).toBe('better');
    expect(noiseVerdict(clear, 0.001, 'maximize')).toBe('worse');
  });
  it('says noise when the interval holds 0, however large the mean change is against the threshold', () => {
    expect(noisy.mean - noisy.half).toBeCloseTo(-0.025126728786057134, 10);
    expect(noisy.mean + noisy.half).toBeCloseTo(0.028460062119390468, 10);
    expect(noiseVerdict(noisy, 0, 'minimize')).toBe('noise');
  });
  it('says noise when the change is clear but not larger than the threshold', () => {
    expect(noiseVerdict(clear, 0.007, 'minimize')).toBe('noise');
    expect(noiseVerdict(clear, 0.0069, 'minimize')).toBe('better');
  });
  it('calls identical differences (sd 0) a clear change', () => {
    expect(noiseVerdict(pairedInterval([0.01, 0.01, 0.01], 0.95), 0.001, 'minimize')).toBe('worse');
  });
});

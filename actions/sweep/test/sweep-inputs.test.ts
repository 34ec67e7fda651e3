// The sweep action's inputs: kebab-case names, the former max_parallel still read for one release with a
// deprecation warning, and the outputs under both their new and former names.
import { describe, expect, it } from '@jest/globals';
import { readSweepInputs } from '../src/sweep-inputs.js';
import { sweepOutputs } from '../src/sweep.js';
import type { RunResult } from '../../../src/report/compare.js';

function read(inputs: Record<string, string>): { maxParallel?: number; warnings: string[] } {
  const warnings: string[] = [];
  const result = readSweepInputs(
    (name) => inputs[name] ?? '',
    {},
    (message) => warnings.push(message),
  );
  return { ...(result.maxParallel !== undefined ? { maxParallel: result.maxParallel } : {}), warnings };
}

describe('readSweepInputs', () => {
  it('reads max-parallel without a warning', () => {
    expect(read({ 'max-parallel': '3' })).toEqual({ maxParallel: 3, warnings: [] });
  });

  it('still reads the former max_parallel, and warns that it is deprecated', () => {
    expect(read({ max_parallel: '2' })).toEqual({
      maxParallel: 2,
      warnings: [
        'The max_parallel input is deprecated and will be removed in the next release; rename it to max-parallel.',
      ],
    });
  });

  it('prefers max-parallel when both are set, and says the old one is ignored', () => {
    expect(read({ 'max-parallel': '3', max_parallel: '2' })).toEqual({
      maxParallel: 3,
      warnings: [
        'Both max-parallel and max_parallel are set; max_parallel is the deprecated name of max-parallel and is ignored: remove it.',
      ],
    });
  });

  it('leaves the limit to the config when neither is set', () => {
    expect(read({})).toEqual({ warnings: [] });
  });

  it('refuses a value that is not a positive whole number under either name', () => {
    expect(() => read({ 'max-parallel': 'lots' })).toThrow(
      'The max-parallel input "lots" is not a positive whole number; give one like 4, or leave it empty.',
    );
    expect(() => read({ max_parallel: '0' })).toThrow(
      'The max-parallel input "0" is not a positive whole number; give one like 4, or leave it empty.',
    );
  });
});

describe('sweepOutputs', () => {
  const best: RunResult = {
    name: 'r1',
    runId: 'abc',
    params: { alpha: 0.1 },
    state: 'finished',
    metrics: { rmse: 0.7 },
  };

  it('sets each output under its kebab-case name and, until the next release, its former snake_case name', () => {
    const outputs = sweepOutputs({ runs: [best], best });
    const results =
      '[{"name":"r1","runId":"abc","params":{"alpha":0.1},"state":"finished","reason":null,"metrics":{"rmse":0.7}}]';
    expect(outputs).toEqual({
      'best-run-id': 'abc',
      'best-params': '{"alpha":0.1}',
      'results-json': results,
      best_run_id: 'abc',
      best_params: '{"alpha":0.1}',
      results_json: results,
    });
  });

  it('leaves the best run empty when none finished', () => {
    expect(sweepOutputs({ runs: [] })).toMatchObject({
      'best-run-id': '',
      best_run_id: '',
      'best-params': '',
      'results-json': '[]',
    });
  });
});

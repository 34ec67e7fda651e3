import { describe, expect, it } from '@jest/globals';
import { normalizeRun } from '../../../src/tracking/tracked-run.js';

describe('normalizeRun: the data sets a run logged', () => {
  it("reads each dataset input's name and digest, as runs/get and runs/search send them", () => {
    const run = normalizeRun({
      info: { run_id: 'r1', status: 'FINISHED' },
      inputs: {
        dataset_inputs: [
          {
            dataset: { name: 'winequality-red', digest: '9e3cd6ce', source_type: 'local', source: '{"uri": "/x"}' },
            tags: [{ key: 'mlflow.data.context', value: 'training' }],
          } as never,
          { dataset: { digest: 'abc' } },
          { dataset: { name: 'no digest' } },
          {},
        ],
      },
    });
    expect(run.datasets).toEqual([
      { name: 'winequality-red', digest: '9e3cd6ce' },
      { name: '', digest: 'abc' },
    ]);
  });

  it('leaves datasets out when the run logged none', () => {
    expect(normalizeRun({ info: { run_id: 'r1' } })).not.toHaveProperty('datasets');
    expect(normalizeRun({ info: { run_id: 'r1' }, inputs: {} })).not.toHaveProperty('datasets');
  });
});

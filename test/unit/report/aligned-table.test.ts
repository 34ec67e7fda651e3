import { describe, expect, it } from '@jest/globals';
import { alignedTable, compactTable } from '../../../src/report/aligned-table.js';
import { pipeColumns } from './monospace-columns.js';

const rows = [
  ['Verdict', 'rmse'],
  ['✅ better', '0.6123'],
  ['⚠️ not logged', '—'],
  ['🏆 1', '12.5'],
  ['x', '0.1'],
];

describe('alignedTable', () => {
  it('pads every cell to its column in display columns, so that emoji do not push a row out of line', () => {
    const lines = alignedTable(rows, ['l', 'r']).split('\n');
    expect(lines).toEqual([
      '| Verdict       |   rmse |',
      '| :------------ | -----: |',
      '| ✅ better     | 0.6123 |',
      '| ⚠️ not logged |      — |',
      '| 🏆 1          |   12.5 |',
      '| x             |    0.1 |',
    ]);
    const first = pipeColumns(lines[0] as string);
    for (const line of lines) expect(pipeColumns(line)).toEqual(first);
  });
});

describe('compactTable', () => {
  it('keeps the alignment markers and drops the padding', () => {
    expect(compactTable(rows.slice(0, 2), ['l', 'r'])).toBe('| Verdict | rmse |\n| :- | -: |\n| ✅ better | 0.6123 |');
  });
});

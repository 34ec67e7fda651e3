// A markdown table whose raw text lines up in a monospace view too (the comment editor, a terminal, a diff):
// markdown-table pads every cell to its column's width and aligns the delimiter row to match. Widths are
// display columns, not UTF-16 units, so a verdict's emoji (two columns wide, one or two units long) does
// not push its row out of line (src/report/display-width.ts). Pure.
import { markdownTable } from 'markdown-table';
import { displayWidth } from './display-width.js';

/** l: text; r: numbers, so that their decimal points line up. */
export type ColumnAlign = 'l' | 'r';

/** The table padded to line up; `align` has one entry per column. */
export function alignedTable(rows: readonly (readonly string[])[], align: readonly ColumnAlign[]): string {
  return markdownTable(rows, { align, stringLength: displayWidth });
}

/**
 * The same table without the padding, one space around each cell: it renders the same on GitHub and is
 * shorter by however much the widest cell of each column made the others grow.
 */
export function compactTable(rows: readonly (readonly string[])[], align: readonly ColumnAlign[]): string {
  return markdownTable(rows, { align, alignDelimiters: false });
}

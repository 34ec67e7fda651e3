// Where a markdown table's cell borders fall in a monospace view: the display column of every unescaped `|`
// of each line (an emoji counts two columns, a zero-width joiner none). A table lines up when every line
// gives the same list.
import stringWidth from 'string-width';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

export function pipeColumns(line: string): number[] {
  const columns: number[] = [];
  let escaped = false;
  let width = 0;
  // By grapheme: ⚠️ is two code points that only together are two columns wide.
  for (const { segment: char } of graphemes.segment(line)) {
    if (char === '|' && !escaped) columns.push(width);
    escaped = char === '\\' && !escaped;
    width += stringWidth(char);
  }
  return columns;
}

/** The lines of the (first) table in `markdown`. */
export function tableLines(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start, end < 0 ? undefined : end);
}

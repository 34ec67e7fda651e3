// How long the comment parser (src/commands/parse-command.ts) and the tokeniser (src/commands/tokenise.ts)
// take on hostile comments, and how that grows with the comment: each shape at 8, 16, 32 and 64 kB (GitHub's
// limit for a comment is 65,536 characters). A linear scan doubles with the size; a catastrophic regex would
// grow far faster. Each figure is the fastest of several runs after a warm-up (the load average is printed).
// The last column is the 64 kB time over the 8 kB time: about 8 means linear.
// Run: npx tsx bench/parse-input.ts        (BENCH_REPEATS=7 by default)
import { loadavg } from 'node:os';
import { markdownTable } from 'markdown-table';
import { parseCommand } from '../src/commands/parse-command.js';
import { tokenise } from '../src/commands/tokenise.js';

const KB = 1024;
const SIZES = [8 * KB, 16 * KB, 32 * KB, 64 * KB];
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);

/** `unit` repeated to exactly `size` characters. */
const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

interface Shape {
  name: string;
  make: (size: number) => string;
  run: (input: string) => unknown;
}

const SHAPES: Shape[] = [
  {
    name: 'prose, the command at the end',
    make: (n) => `${fill('lorem ipsum dolor ', n - 16)}\n/train alpha=1`,
    run: parseCommand,
  },
  { name: 'backticks', make: (n) => fill('`', n), run: parseCommand },
  { name: 'quote markers `> `', make: (n) => fill('> ', n), run: parseCommand },
  { name: 'list markers, then a fence', make: (n) => `${fill('- ', n - 3)}\`\`\``, run: parseCommand },
  { name: 'fence openers', make: (n) => fill('```\n~~~~\n', n), run: parseCommand },
  { name: 'spaces, then the command', make: (n) => `${fill(' ', n - 12)}x\n/train a=1`, run: parseCommand },
  { name: 'HTML comment openers', make: (n) => fill('<!--', n), run: parseCommand },
  { name: 'tokenise: quoted words `"a b" `', make: (n) => fill('"a b" ', n), run: tokenise },
  { name: 'tokenise: unterminated quotes `"a`', make: (n) => fill('"a', n), run: tokenise },
  { name: 'tokenise: escapes `\\"`', make: (n) => `"${fill('\\"', n - 1)}`, run: tokenise },
];

function fastest(shape: Shape, input: string): number {
  shape.run(input); // warm-up
  let best = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const started = process.hrtime.bigint();
    shape.run(input);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return best;
}

const rows = SHAPES.map((shape) => {
  const times = SIZES.map((size) => fastest(shape, shape.make(size)));
  const growth = (times.at(-1) ?? 0) / Math.max(times[0] ?? 0, 0.001);
  process.stderr.write(`${shape.name} done\n`);
  return [shape.name, ...times.map((t) => t.toFixed(2)), `×${growth.toFixed(1)}`];
});

console.log(`load average ${loadavg()[0]?.toFixed(2)}, fastest of ${REPEATS} (ms)\n`);
console.log(markdownTable([['shape', ...SIZES.map((s) => `${s / KB} kB`), '64 kB / 8 kB'], ...rows]));

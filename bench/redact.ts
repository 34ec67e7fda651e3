// How long redaction of a log tail takes (src/report/redact-log.ts), and how it grows with the log: ordinary
// and hostile shapes at 256 kB, 1 MB and 4 MB, with the bot holding five secrets. Each figure is the fastest
// of several runs after a warm-up (on a shared machine the fastest is the one least slowed by other work;
// the load average is printed), as wall time and, for 1 MB, as CPU time. The adversarial shapes run twice: with the line cap, as the bot runs, and
// with the cap lifted to the whole text, which shows that the scanner itself stays linear on one huge line.
// Run: npx tsx bench/redact.ts        (BENCH_REPEATS=9 by default)
import { loadavg } from 'node:os';
import { markdownTable } from 'markdown-table';
import { redact } from '../src/report/redact-log.js';

const KB = 1024;
const SIZES = [256 * KB, 1024 * KB, 4096 * KB];
const REPEATS = Number(process.env.BENCH_REPEATS ?? 9);
const SECRETS = [
  `mlflow-${'k3Y'.repeat(10)}`,
  `ghs_${'a1B2'.repeat(9)}`,
  'b'.repeat(64),
  'hunter2-but-longer',
  `-----BEGIN PRIVATE KEY-----\n${'QUJD'.repeat(16)}\n-----END PRIVATE KEY-----`,
];

/** `unit` repeated (line by line when it ends with a newline) to exactly `size` characters. */
const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

const TRAINING =
  [
    'Epoch 12/100 - loss=0.5123 - val_loss=0.6031 - rmse=0.7436 - lr=0.001',
    '2026-11-29 19:02:11,123 INFO mlflow.tracking: Logging metrics to http://mlflow.trainbot.svc:5000 run 7f3a1c',
    '/usr/local/lib/python3.11/site-packages/sklearn/linear_model/_coordinate_descent.py:631: ConvergenceWarning: Objective did not converge.',
    '  model = ElasticNet(alpha=0.5, l1_ratio=0.2, max_iter=1000, tol=0.0001, random_state=42)',
    'Saved model to models/elasticnet-7f3a1c (12.4 kB), max_tokens=512 tokenizer=none user@example.com',
  ].join('\n') + '\n';

// Credential-shaped values are joined at run time, so this file holds no literal a secret scanner flags.
const v = (...parts: string[]): string => parts.join('');
const CREDENTIAL_DENSE =
  [
    `environ({'PATH': '/usr/bin', 'MLFLOW_TRACKING_TOKEN': '${v('abc123', 'def456')}', 'HOME': '/home/trainer', 'AWS_SECRET_ACCESS_KEY': '${v('wJalrXUtn', 'FEMI/K7MDENG')}'})`,
    `{"MLFLOW_TRACKING_PASSWORD": "p4ss-w0rd", "user": "trainer", "api_key": "${v('sk-proj-', 'abcdefghijklmnopqrstuvwxyz012345')}"}`,
    `curl -H "Authorization: ${v('Bear', 'er eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig')}" https://user:pa55@db.example.com/x`,
    `token ${'q1w2e3r4'.repeat(2)} then ${v('xoxb-', '1234567890-abcdefghij')} and ${v('AKIA', 'ABCDEFGHIJKLMNOP')}`,
  ].join('\n') + '\n';

interface Shape {
  name: string;
  make: (size: number) => string;
  adversarial: boolean;
}

const SHAPES: Shape[] = [
  { name: 'training log, short lines', make: (size) => fill(TRAINING, size), adversarial: false },
  { name: 'env dumps and headers, short lines', make: (size) => fill(CREDENTIAL_DENSE, size), adversarial: false },
  {
    name: 'one long line of training output',
    make: (size) => fill(TRAINING.replace(/\n/g, ' '), size),
    adversarial: false,
  },
  { name: '`a=a=a=…` on one line', make: (size) => fill('a=', size), adversarial: true },
  { name: '`=` on one line', make: (size) => fill('=', size), adversarial: true },
  {
    name: 'base64 run on one line',
    make: (size) => fill('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3', size),
    adversarial: true,
  },
  { name: '`TOKEN=TOKEN=…` on one line', make: (size) => fill('TOKEN=', size), adversarial: true },
  { name: '`token token …` on one line', make: (size) => fill('token ', size), adversarial: true },
  { name: "`'token': '` unterminated quotes", make: (size) => fill("'token': '", size), adversarial: true },
  { name: '`sk-sk-…`, `ghp_ghp_…`, `eyJeyJ…`', make: (size) => fill('sk-ghp_eyJ', size), adversarial: true },
  { name: '`-----BEGIN ` without a key', make: (size) => fill('-----BEGIN X', size), adversarial: true },
  {
    name: '`-----END PRIVATE KEY-----` alone',
    make: (size) => fill('QUJD\n-----END PRIVATE KEY-----\n', size),
    adversarial: true,
  },
  { name: '`://a:b` without `@`', make: (size) => fill('://a:b', size), adversarial: true },
  {
    name: 'first characters of held secrets',
    make: (size) => fill('mlflow-k3Yghs_a1Bbbbbbhunter2-', size),
    adversarial: true,
  },
];

/** The fastest wall time and the fastest CPU time (user + system, ms) of REPEATS redactions. */
function timeRedact(text: string, cap?: number): { wall: number; cpu: number } {
  redact(text, SECRETS, cap);
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < REPEATS; i += 1) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    redact(text, SECRETS, cap);
    wall = Math.min(wall, performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
process.stderr.write(`load average before: ${load()}\n`);

const rows: string[][] = [];
for (const shape of SHAPES) {
  for (const capped of shape.adversarial ? [true, false] : [true]) {
    const times = SIZES.map((size) => {
      const text = shape.make(size);
      return timeRedact(text, capped ? undefined : text.length);
    });
    const [quarter, one, four] = times as [
      { wall: number; cpu: number },
      { wall: number; cpu: number },
      { wall: number; cpu: number },
    ];
    rows.push([
      shape.name,
      capped ? '4,096' : 'none',
      quarter.wall.toFixed(1),
      one.wall.toFixed(1),
      four.wall.toFixed(1),
      one.cpu.toFixed(1),
      (four.wall / one.wall).toFixed(1),
    ]);
    process.stderr.write(`${shape.name} (${capped ? 'capped' : 'uncapped'}): ${one.wall.toFixed(1)} ms for 1 MB\n`);
  }
}
process.stderr.write(`load average after: ${load()}\n`);
console.log(
  markdownTable(
    [['log shape', 'line cap', '256 kB (ms)', '1 MB (ms)', '4 MB (ms)', '1 MB, CPU (ms)', '4 MB ÷ 1 MB'], ...rows],
    { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r'] },
  ),
);

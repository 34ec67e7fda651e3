// What a whole `trainbot compare` process costs on its own side, with MLflow's time taken out: the CLI against a
// loopback stand-in that answers the baseline pointer's experiments/get and runs/search at once with recorded JSON. Each way of
// loading the CLI is timed (issue 13 asked to measure each): tsc's dist/cli.js (one file per module) or the
// esbuild bundle (scripts/build-cli.mjs), each with and without Node's compile cache. For scale: `node -e 0`,
// `python -c pass`, bench/compare_urllib.py (the 2 requests in plain Python) and
// bench/compare_urllib_pointer.py (trainbot's 2 requests in plain Python) against the same stand-in.
// Also global fetch's first request against node:http's (src/tracking/http-fetch.ts says why that matters).
// Run: npm run build; npx tsx bench/compare-startup.ts [N]   (needs nothing running; python from the venv)
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { markdownTable } from 'markdown-table';

const N = Number(process.argv[2] ?? 21);
const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'trainbot-bench-startup-'));
const tags = (role: string, params: string) =>
  Object.entries({
    'trainbot.repo': 'local/trainbot',
    'trainbot.role': role,
    'trainbot.branch': 'main',
    'trainbot.sha': '0123456789abcdef0123456789abcdef01234567',
    'trainbot.params': params,
  }).map(([key, value]) => ({ key, value }));
const run = (id: string, role: string, params: string, rmse: number) => ({
  info: {
    run_id: id,
    run_name: `${role}-run`,
    experiment_id: role === 'baseline' ? '2' : '1',
    status: 'FINISHED',
    start_time: Date.now(),
  },
  data: {
    metrics: [
      { key: 'rmse', value: rmse },
      { key: 'mae', value: 0.6 },
      { key: 'r2', value: 0.1 },
    ],
    tags: tags(role, params),
  },
});
const CANDIDATE = 'c'.repeat(32);
const BASELINE = 'b'.repeat(32);
const BASELINE_PARAMS = 'alpha=0.5 l1_ratio=0.5 seed=42';
// The baseline pointer a merge leaves on the baselines experiment (unsigned: the CLI here runs without a key).
const pointer = JSON.stringify({
  repo: 'local/trainbot',
  branch: 'main',
  params: BASELINE_PARAMS,
  sha: '0123456789abcdef0123456789abcdef01234567',
  runIds: [BASELINE],
  startTime: 1,
});
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const [path = '', query = ''] = (req.url ?? '').split('?');
    res.setHeader('content-type', 'application/json');
    const candidate = run(CANDIDATE, 'candidate', 'alpha=0.1 l1_ratio=0.5 seed=42', 0.69);
    const baseline = run(BASELINE, 'baseline', BASELINE_PARAMS, 0.74);
    if (path.endsWith('/runs/get')) res.end(JSON.stringify({ run: candidate }));
    else if (path.endsWith('/runs/search'))
      // By run id (trainbot's search) both runs, by tags (compare_urllib.py's) the baseline.
      res.end(JSON.stringify({ runs: body.includes('run_id IN') ? [candidate, baseline] : [baseline] }));
    else if (path.endsWith('/experiments/get-by-name')) {
      const name = new URLSearchParams(query).get('experiment_name') ?? '';
      const id = name.endsWith('/baselines') ? '2' : '1';
      res.end(JSON.stringify({ experiment: { experiment_id: id, name, lifecycle_stage: 'active' } }));
    } else if (path.endsWith('/experiments/get'))
      res.end(
        JSON.stringify({
          experiment: {
            experiment_id: '2',
            name: 'x/baselines',
            tags: [{ key: 'trainbot.baseline.main', value: pointer }],
          },
        }),
      );
    else res.writeHead(404).end('{}');
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// The loader each variant runs: what bin/trainbot.js does, with the CLI file and the cache chosen by env.
const loader = join(scratch, 'loader.mjs');
writeFileSync(
  loader,
  [
    "import module from 'node:module';",
    'if (process.env.CACHE_DIR) module.enableCompileCache(process.env.CACHE_DIR);',
    'const { main } = await import(process.env.CLI_URL);',
    'process.exitCode = await main(process.argv.slice(2));',
  ].join('\n'),
);
const fetchProbe = join(scratch, 'fetch-probe.mjs');
writeFileSync(
  fetchProbe,
  [
    'const t = performance.now();',
    "if (process.argv[2] === 'fetch') await (await fetch(process.env.URL)).text();",
    "else await new Promise((done) => import('node:http').then((http) => http.get(process.env.URL, (r) => { r.resume(); r.on('end', done); })));",
    'process.stdout.write(String(performance.now() - t));',
  ].join('\n'),
);

const env = { ...process.env, MLFLOW_TRACKING_URI: uri, MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' };
// Each variant has a root of its own: the config cache (src/cli/config-cache.ts) is keyed by the build that wrote
// it, so variants sharing one .trainbot/ would keep replacing each other's entry and never find it.
const compareArgs = (variantRoot: string) => [
  'compare',
  CANDIDATE,
  '--root',
  variantRoot,
  '--config',
  join(root, '.github/trainbot.yml'),
];
const cli = (file: string, cache: boolean) => ({
  command: process.execPath,
  args: [loader, ...compareArgs(mkdtempSync(join(scratch, 'root-')))],
  env: {
    ...env,
    CLI_URL: `file://${join(root, file)}`,
    ...(cache ? { CACHE_DIR: join(scratch, `cache-${file.replace(/\W/g, '')}`) } : {}),
  },
});
const variants: Record<string, { command: string; args: string[]; env: NodeJS.ProcessEnv }> = {
  'dist/cli.js (tsc, ~40 files for compare)': cli('dist/cli.js', false),
  'dist/cli.js + compile cache': cli('dist/cli.js', true),
  'dist/cli-bundle (esbuild)': cli('dist/cli-bundle/cli.js', false),
  'dist/cli-bundle + compile cache (what bin/trainbot.js runs)': cli('dist/cli-bundle/cli.js', true),
  '`node -e 0`': { command: process.execPath, args: ['-e', '0'], env },
  '`python -c pass`': { command: 'python', args: ['-c', 'pass'], env },
  'bench/compare_urllib.py, same stand-in': {
    command: 'python',
    args: [
      'bench/compare_urllib.py',
      CANDIDATE,
      '2',
      'local/trainbot',
      'main',
      'alpha=0.5 l1_ratio=0.5 seed=42',
      'rmse',
      'mae',
      'r2',
    ],
    env,
  },
  'bench/compare_urllib_pointer.py, same stand-in': {
    command: 'python',
    args: ['bench/compare_urllib_pointer.py', CANDIDATE, '1', '2', 'main', 'rmse', 'mae', 'r2'],
    env,
  },
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const timedChild = (v: { command: string; args: string[]; env: NodeJS.ProcessEnv }) =>
  new Promise<number>((done, fail) => {
    const started = performance.now();
    const child = spawn(v.command, v.args, { cwd: root, env: v.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('close', (code) =>
      code === 0 ? done(performance.now() - started) : fail(new Error(`${v.args.join(' ')}: ${code} ${err}`)),
    );
  });
for (const v of Object.values(variants)) await timedChild(v); // warm-up: fills the compile caches and the id cache
for (let i = 0; i < N; i++) for (const [name, v] of Object.entries(variants)) times[name]?.push(await timedChild(v));
const probe = async (kind: string) => {
  const values: number[] = [];
  for (let i = 0; i < N; i++) {
    const child = spawn(process.execPath, [fetchProbe, kind], { env: { ...process.env, URL: `${uri}/health` } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => child.once('close', r));
    values.push(Number(out));
  }
  return values;
};
const firstFetch = await probe('fetch');
const firstHttp = await probe('http');
server.close();

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const ms = (v: number) => v.toFixed(0);
console.log(
  `compare-startup, ${N} rounds, ${new Date().toISOString()}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  markdownTable(
    [
      ['process (against a stand-in that answers at once)', 'p50 (ms)', 'min (ms)', 'max (ms)'],
      ...Object.entries(times).map(([name, v]) => [name, ms(median(v)), ms(Math.min(...v)), ms(Math.max(...v))]),
      [
        'first request with global fetch (undici), in-process',
        ms(median(firstFetch)),
        ms(Math.min(...firstFetch)),
        ms(Math.max(...firstFetch)),
      ],
      [
        'first request with node:http, in-process',
        ms(median(firstHttp)),
        ms(Math.min(...firstHttp)),
        ms(Math.max(...firstHttp)),
      ],
    ],
    { align: ['l', 'r', 'r', 'r'] },
  ),
);

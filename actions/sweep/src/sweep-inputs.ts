// The sweep action's inputs, read and checked before anything is contacted. Pure apart from the getter it
// is given; every problem is an InputError with one sentence naming the input and the fix.
import { InputError } from '../../kit/src/errors.js';
import { renamedInput, type InputGetter } from '../../kit/src/renamed-input.js';

export type RunnerKind = 'kubernetes' | 'local';

export interface SweepInputs {
  command: string; // `/train <grid>`: the same text the bot parses
  ref: string;
  maxParallel?: number;
  pr?: number;
  runner: RunnerKind;
  workdir: string; // '' = the config's
  configPath: string;
  token: string;
}

function positiveInt(name: string, raw: string): number | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  if (!/^[1-9]\d{0,8}$/.test(text))
    throw new InputError(
      `The ${name} input "${text.slice(0, 40)}" is not a positive whole number; give one like 4, or leave it empty.`,
    );
  return Number(text);
}

/** `warn` receives the deprecation warnings (old input names still accepted for one release). */
export function readSweepInputs(
  get: InputGetter,
  env: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void,
): SweepInputs {
  const grid = get('grid')
    .trim()
    .replace(/^\/train\b\s*/, '');
  if (/[\r\n]/.test(grid))
    throw new InputError('The grid input must be on one line, like `alpha=0.1,0.5 l1_ratio=0.2,0.8`.');
  const runner = get('runner').trim() || 'kubernetes';
  if (runner !== 'kubernetes' && runner !== 'local') {
    throw new InputError(
      `The runner input "${runner.slice(0, 40)}" is not one trainbot knows; use kubernetes or local.`,
    );
  }
  const pr = positiveInt('pr', get('pr'));
  const maxParallel = positiveInt('max-parallel', renamedInput(get, 'max-parallel', 'max_parallel', warn));
  const token = get('github-token').trim();
  if (pr !== undefined && !token)
    throw new InputError(
      'The pr input is set but github-token is empty; pass a token that may comment on pull requests.',
    );
  return {
    command: `/train ${grid}`.trim(),
    ref: get('ref').trim() || env.GITHUB_REF_NAME || '',
    ...(maxParallel !== undefined ? { maxParallel } : {}),
    ...(pr !== undefined ? { pr } : {}),
    runner,
    workdir: get('workdir').trim(),
    configPath: get('config').trim() || '.github/trainbot.yml',
    token,
  };
}

// The answer to `/train help`: what the command does, how to type it, and the parameters this repository's
// config accepts. Examples are built from the config so they can be copied as they are. Everything taken
// from the config is escaped: a config is code from a pull request, and so is what it puts in this comment.
import type { ParamConfig, TrainbotConfig } from '../config/config-types.js';
import { alignedTable } from '../report/aligned-table.js';
import { cellCode, codeSpan, escapeMarkdown } from '../report/markdown-escape.js';
import { typedValue } from './tokenise.js';

/** Values worth showing in an example, the default first: the default, then the bounds or allowed values. */
function exampleValues(param: ParamConfig): string[] {
  const candidates =
    param.type === 'string' ? [param.default, ...(param.values ?? [])] : [param.default, param.max, param.min];
  const values = candidates.filter((v) => v !== undefined).map(String);
  return [...new Set(values)];
}

function range(param: ParamConfig): string {
  if (param.type === 'string') {
    return param.values === undefined
      ? 'text: letters, digits, spaces, `. _ - / : + @`, up to 64'
      : `one of ${param.values.map((v) => cellCode(v)).join(', ')}`;
  }
  if (param.min !== undefined && param.max !== undefined) return `${param.min} to ${param.max}`;
  if (param.min !== undefined) return `≥ ${param.min}`;
  if (param.max !== undefined) return `≤ ${param.max}`;
  return 'any';
}

function usageLines(config: TrainbotConfig): string[] {
  const params = Object.entries(config.params);
  const lines = [['/train', 'one run with every parameter at its default']];
  const [first, second] = params;
  if (first !== undefined) {
    const [name, param] = first;
    const values = exampleValues(param);
    const single = values[1] ?? values[0] ?? '';
    lines.push([`/train ${name}=${typedValue(single)}`, 'one run; the parameters you leave out keep their defaults']);
    const axes = [first, second].filter((p) => p !== undefined);
    const grid = axes.map(([n, p]) => `${n}=${exampleValues(p).slice(0, 2).map(typedValue).join(',')}`);
    const most = config.limits.maxRuns;
    lines.push([`/train ${grid.join(' ')}`, `a sweep, one run for every combination (at most ${most} runs)`]);
    // Only where there is a seed for repeats to vary (planRuns refuses `repeats` otherwise).
    if (config.params[config.seedParam]?.type === 'int')
      lines.push([
        `/train ${name}=${typedValue(single)} repeats=3`,
        `three runs with \`${config.seedParam}\` ${config.params[config.seedParam]?.default} and up, compared with the baseline's runs of the same seeds: mean ± sd, and "within noise" unless the change is larger than the noise`,
      ]);
  }
  lines.push(['/train cancel', "stop this pull request's runs"], ['/train help', 'show this message']);
  return lines.map(([command, what]) => `- ${codeSpan(command ?? '')}: ${what}`);
}

function paramTable(config: TrainbotConfig): string {
  const rows = Object.entries(config.params).map(([name, param]) => [
    cellCode(name),
    param.type,
    range(param),
    cellCode(String(param.default)),
    escapeMarkdown(param.description ?? ''),
  ]);
  if (rows.length === 0) return "This repository's `.github/trainbot.yml` declares no parameters.";
  return alignedTable([['Parameter', 'Type', 'Range', 'Default', 'Description'], ...rows], ['l', 'l', 'l', 'l', 'l']);
}

/** The markdown of the help comment for a repository with this config. */
export function renderHelp(config: TrainbotConfig): string {
  return [
    `\`/train\` runs this pull request's training code with the parameters you give and posts how the ` +
      `result compares with the latest baseline from ${codeSpan(config.baselineBranch)}.`,
    '',
    ...usageLines(config),
    '',
    'Write the command at the start of its own line, outside quotes and code blocks; quote a value that ' +
      'contains spaces or commas (`"a b"`).',
    '',
    paramTable(config),
    '',
  ].join('\n');
}

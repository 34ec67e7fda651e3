// A comment as a person sees it on GitHub: the markdown through a GitHub-flavoured renderer (marked, GFM),
// ```mermaid fences turned into `<pre class="mermaid">` as GitHub does, the real Mermaid from npm drawing
// them, all in Debian's headless Chromium. A script in the page measures what rendered (tables, <details>,
// Mermaid's verdict) and leaves it in the DOM that `--dump-dom` prints. Chromium runs in a network
// namespace of its own when one can be made, and is pointed at a dead loopback proxy besides: nothing in
// these pages, nor Chromium's own background services, may reach the network.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Marked } from 'marked';

export interface RenderedTable {
  rows: number; // every <tr>, the header row included
  columns: number; // cells of the header row
  cellsPerRow: number[];
}

export interface RenderedMermaid {
  error: string | null; // what mermaid.run rejected with, or null
  svg: boolean; // an <svg> was drawn in place of the source
  lines: number; // an xychart's plotted lines
}

export interface RenderedSample {
  name: string;
  tables: RenderedTable[];
  details: { summary: string | null; codeBlocks: number }[];
  mermaid: RenderedMermaid[];
  /** Text of paragraphs that begin with `|`: the remains of a table GFM did not recognise. */
  strayTableText: string[];
  /** `</details>`, `<summary>` or ``` shown as text outside code blocks: markup that did not take effect. */
  strayMarkup: string[];
  /** Elements markdown of trainbot's kind never makes (an <img>, a <script>, a heading it did not write). */
  unexpectedElements: string[];
  /** The comment's last block as `TAG: text`: what a reader sees at its end. */
  lastBlock: string;
  height: number; // px at the page width, for a screenshot that fits
}

export interface Sample {
  name: string;
  markdown: string;
}

export const PAGE_WIDTH = 900;
const MERMAID_JS = fileURLToPath(new URL('../../node_modules/mermaid/dist/mermaid.min.js', import.meta.url));

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const gfm = new Marked({
  gfm: true,
  breaks: true, // GitHub keeps a comment's line breaks (a README's it joins)
  renderer: {
    // GitHub draws a mermaid fence as a diagram; every other fence stays a code block.
    code({ text, lang }) {
      return lang === 'mermaid' ? `<pre class="mermaid">${escapeHtml(text)}</pre>\n` : false;
    },
  },
});

/** The HTML GitHub would make of one comment body, raw HTML kept: GitHub's sanitiser would hide what trainbot failed to escape. */
export function renderGitHubHtml(markdown: string): string {
  return gfm.parse(markdown, { async: false });
}

// The look of a comment, enough to judge it by eye: GitHub's proportions, not its stylesheet.
const STYLE = `
body { margin: 0; background: #fff; font: 14px/1.5 "DejaVu Sans", sans-serif; color: #1f2328; }
section { box-sizing: border-box; width: ${PAGE_WIDTH}px; padding: 16px 24px; border-bottom: 1px solid #d1d9e0; }
h3, h4 { margin: 8px 0 12px; } h3 { font-size: 1.25em; } h4 { font-size: 1em; }
p, ul, ol, table, details, pre { margin: 0 0 12px; }
a { color: #0969da; text-decoration: none; }
code { font: 85% "DejaVu Sans Mono", monospace; background: #eff1f3; padding: .2em .4em; border-radius: 6px; }
pre { background: #f6f8fa; padding: 12px; border-radius: 6px; overflow: auto; }
pre code { background: none; padding: 0; }
pre.mermaid { background: none; text-align: center; }
table { border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
th { font-weight: 600; } tr:nth-child(2n) { background: #f6f8fa; }
summary { cursor: pointer; }
`;

// Runs in Chromium once Mermaid has loaded: draws each diagram, then measures every sample.
const PROBE = `
const ALLOWED = new Set(['H3', 'H4', 'P', 'BR', 'HR', 'STRONG', 'EM', 'CODE', 'PRE', 'A', 'UL', 'OL', 'LI',
  'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'DETAILS', 'SUMMARY']);
(async () => {
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  const samples = [];
  for (const section of document.querySelectorAll('section[data-sample]')) {
    const diagrams = [];
    for (const pre of section.querySelectorAll('pre.mermaid')) {
      let error = null;
      try { await mermaid.run({ nodes: [pre] }); } catch (e) { error = String((e && e.message) || e); }
      diagrams.push({ error, svg: pre.querySelector('svg') !== null, lines: pre.querySelectorAll('svg g[class^="line-plot-"]').length });
    }
    const tables = [...section.querySelectorAll('table')].map((t) => ({
      rows: t.rows.length, columns: t.rows[0] ? t.rows[0].cells.length : 0, cellsPerRow: [...t.rows].map((r) => r.cells.length),
    }));
    const details = [...section.querySelectorAll('details')].map((d) => {
      const summary = d.querySelector(':scope > summary');
      return { summary: summary ? summary.textContent : null, codeBlocks: d.querySelectorAll('pre > code').length };
    });
    const strayTableText = [...section.querySelectorAll('p')].map((p) => p.textContent.trim()).filter((t) => t.startsWith('|'));
    const walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
    const strayMarkup = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement.closest('pre')) continue;   // a code block may show anything: a log is text
      strayMarkup.push(...(n.textContent.match(/<\\/?(details|summary)>|\`\`\`/g) || []));
    }
    const unexpectedElements = [...section.querySelectorAll('*')]
      .filter((e) => !e.closest('pre.mermaid') && !ALLOWED.has(e.tagName)).map((e) => e.outerHTML.slice(0, 80));
    const last = section.lastElementChild;
    const lastBlock = last ? last.tagName + ': ' + last.textContent.trim().slice(-200) : '';
    // Open, so that a screenshot shows what a reader finds inside.
    for (const d of section.querySelectorAll('details')) d.open = true;
    samples.push({ name: section.dataset.sample, tables, details, mermaid: diagrams, strayTableText, strayMarkup, unexpectedElements, lastBlock,
      height: Math.ceil(section.getBoundingClientRect().height) });
  }
  return { samples };
})().catch((e) => ({ fatal: String((e && e.stack) || e) })).then((result) => {
  document.body.setAttribute('data-probe', encodeURIComponent(JSON.stringify(result)));
});
`;

/** One page with each sample in its own section, ready for Chromium. */
export function githubPage(samples: readonly Sample[]): string {
  const sections = samples.map(
    (s) => `<section data-sample="${escapeHtml(s.name)}">\n${renderGitHubHtml(s.markdown)}</section>`,
  );
  // GitHub runs no script a comment holds. Here only the two scripts carrying the nonce run, so that markup
  // trainbot failed to escape shows up as an element the probe reports, not as a dialog that stalls the page.
  const nonce = randomBytes(16).toString('hex');
  const policy = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src data:; font-src data:`;
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
    `<style>${STYLE}</style>`,
    `<script nonce="${nonce}" src="file://${MERMAID_JS}"></script>`,
    '</head><body>',
    ...sections,
    `<script nonce="${nonce}">${PROBE}</script>`,
    '</body></html>',
  ].join('\n');
}

/** TRAINBOT_CHROMIUM (e.g. the runner's preinstalled Chrome), else Debian's Chromium, or a sentence saying how to get it. */
export function chromiumPath(): string {
  if (process.env.TRAINBOT_CHROMIUM) return process.env.TRAINBOT_CHROMIUM;
  const found = ['chromium', 'chromium-browser']
    .map((name) => {
      try {
        return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    })
    .find(Boolean);
  if (!found) throw new Error('Chromium is not installed: `apt-get install chromium` (scripts/setup.sh installs it).');
  return found;
}

let isolated: boolean | undefined;
/** Whether this process may make a network namespace (root, or user namespaces allowed). */
function canIsolate(): boolean {
  if (isolated === undefined) {
    try {
      execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
      isolated = true;
    } catch {
      isolated = false;
    }
  }
  return isolated;
}

async function runChromium(page: string, extra: string[], timeoutMs = 60_000): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'trainbot-view-'));
  try {
    const file = join(dir, 'page.html');
    writeFileSync(file, page);
    const args = [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--allow-file-access-from-files',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--proxy-server=http://127.0.0.1:9',
      '--host-resolver-rules=MAP * ~NOTFOUND',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--hide-scrollbars',
      '--virtual-time-budget=20000',
      ...extra,
      `file://${file}`,
    ];
    const [command, argv] = canIsolate() ? ['unshare', ['-n', chromiumPath(), ...args]] : [chromiumPath(), args];
    return await new Promise<string>((resolve, reject) => {
      execFile(
        command,
        argv,
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`Chromium failed: ${error.message}\n${stderr.slice(-2000)}`));
          else resolve(stdout);
        },
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What each sample rendered to in Chromium (see RenderedSample). */
export async function probeInChromium(samples: readonly Sample[]): Promise<RenderedSample[]> {
  const dom = await runChromium(githubPage(samples), ['--dump-dom']);
  const encoded = /data-probe="([^"]*)"/.exec(dom)?.[1];
  if (encoded === undefined)
    throw new Error(`The page never reported: Chromium printed ${dom.length} characters without a probe result.`);
  const result = JSON.parse(decodeURIComponent(encoded)) as { samples?: RenderedSample[]; fatal?: string };
  if (result.fatal !== undefined) throw new Error(`The probe script failed in Chromium: ${result.fatal}`);
  return result.samples ?? [];
}

/** A PNG of one sample as GitHub would show it, `height` px tall (from probeInChromium). */
export async function screenshotInChromium(sample: Sample, height: number, out: string): Promise<void> {
  await runChromium(githubPage([sample]), [`--window-size=${PAGE_WIDTH},${height}`, `--screenshot=${out}`]);
}

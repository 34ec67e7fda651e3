// `npm run screenshots`: a PNG of each comment in comment-samples.ts, drawn as GitHub shows it, into the folder
// given (docs/screenshots). A comment that does not render as it should is not photographed: the run fails.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { commentSamples, renderingProblems } from './comment-samples.js';
import { probeInChromium, screenshotInChromium } from './github-view.js';

const out = process.argv[2];
if (!out) throw new Error('Usage: write-screenshots.ts OUT_DIR');
mkdirSync(out, { recursive: true });
const samples = await commentSamples();
const rendered = await probeInChromium(samples);
for (const sample of samples.filter((s) => s.screenshot)) {
  const view = rendered.find((r) => r.name === sample.name);
  const problems = view ? renderingProblems(sample.expected, view) : ['it was not rendered'];
  if (problems.length > 0) throw new Error(`${sample.name} does not render as it should: ${problems.join('; ')}`);
  const file = join(out, `${sample.name}.png`);
  // Sequential: each Chromium takes a core for a few seconds.
  await screenshotInChromium(sample, view?.height ?? 600, file);
  console.log(`${file}: ${sample.title}`);
}

// A report's two parts for tests: what is above the reproducibility footer (src/report/render-footer.ts), and
// the footer itself. No other imports, so any test can use it without loading the GitHub or MLflow mocks.

/** A report without its reproducibility footer, for tests about what is above it. */
export function reportBody(markdown: string): string {
  return markdown.replace(/\n\n<details><summary>Reproduce [^]*?\n<\/details>/, '');
}

/** The report's reproducibility footer, '' when it has none. */
export function reportFooter(markdown: string): string {
  return /<details><summary>Reproduce [^]*?\n<\/details>/.exec(markdown)?.[0] ?? '';
}

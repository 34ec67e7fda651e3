// Waiting for a server that is starting up: it refuses connections, then answers something else, then the
// answer that means it is ready.

/** GETs `url` every `everyMs` until its body is `expected` or `withinMs` has passed; the last body ('' for none). */
export async function awaitAnswer(url: string, expected: string, withinMs: number, everyMs: number): Promise<string> {
  const started = Date.now();
  let answer = '';
  while (Date.now() - started < withinMs && answer !== expected) {
    answer = await fetch(url).then(
      (r) => r.text(),
      () => '',
    );
    if (answer !== expected) await new Promise((done) => setTimeout(done, everyMs));
  }
  return answer;
}

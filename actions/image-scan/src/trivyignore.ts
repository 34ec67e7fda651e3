// Reads a .trivyignore file the way Trivy does (one finding ID per line, `#` comments, an optional
// `exp:YYYY-MM-DD` after which the entry stops applying), so a pre-made report is filtered like a live scan.

export function parseTrivyignore(text: string, today: Date): Set<string> {
  const ids = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [id, ...options] = line.split(/\s+/);
    const expiry = options.find((o) => o.startsWith('exp:'))?.slice('exp:'.length);
    if (expiry && !(new Date(`${expiry}T23:59:59Z`) >= today)) continue;
    if (id) ids.add(id);
  }
  return ids;
}

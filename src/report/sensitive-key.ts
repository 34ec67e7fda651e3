// Whether a name (`MLFLOW_TRACKING_TOKEN`, `"password"`, `x-api-key`, `clientSecret`) says its value is a
// credential. Pure. The name is cut into words (at `_`, `-`, `.` and camelCase) and one whole word has to
// be a credential word: `author`, `tokens` or `tokenizer` are not `auth` or `token`, so metric and config
// lines like `max_tokens=512` stay readable. A last word such as `length` or `path` names something about
// the credential, not the credential itself (`token_count=3`, `SSH_AUTH_SOCK=/tmp/…`).

const CREDENTIAL_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'secret',
  'token',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'pat',
  'apikey',
  'cookie',
]);
/** Two words that name a credential together (`API_KEY`, `privateKey`), while `key` alone does not. */
const CREDENTIAL_PAIRS = new Set([
  'api key',
  'access key',
  'private key',
  'secret key',
  'signing key',
  'encryption key',
  'master key',
  'session key',
  'account key',
  'client key',
  'shared key',
]);
/** A last word that makes the value a property of the credential, not the credential. */
const ABOUT_WORDS = new Set([
  'count',
  'counts',
  'len',
  'length',
  'size',
  'limit',
  'max',
  'min',
  'num',
  'type',
  'kind',
  'name',
  'names',
  'id',
  'ids',
  'file',
  'path',
  'dir',
  'url',
  'uri',
  'endpoint',
  'env',
  'var',
  'header',
  'scheme',
  'ttl',
  'expiry',
  'expires',
  'expiration',
  'lifetime',
  'timeout',
  'enabled',
  'required',
  'set',
  'present',
  'source',
  'format',
  'version',
  'mode',
  'method',
  'provider',
  'sock',
  'socket',
  'prefix',
]);
/** A first word that makes the name a count or a bound (`max_token=5`, `num_passes`). */
const QUANTITY_WORDS = new Set(['max', 'min', 'num', 'n', 'total']);
/** A cheap first look: a name without any of these cannot be a credential name. */
export const CREDENTIAL_HINT = /pass|pwd|secret|token|auth|cred|pat|key|cookie/i;

/** The name's words, lower case: `MLFLOW_TRACKING_TOKEN` → mlflow tracking token, `apiKey` → api key. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_.-]+/)
    .filter(Boolean);
}

/** True when `name` names a credential: its value should not be shown. */
export function isSensitiveKey(name: string): boolean {
  if (name.length > 128 || !CREDENTIAL_HINT.test(name)) return false;
  const words = nameWords(name);
  const last = words[words.length - 1];
  if (last === undefined || ABOUT_WORDS.has(last) || QUANTITY_WORDS.has(words[0] ?? '')) return false;
  if (words.some((w) => CREDENTIAL_WORDS.has(w))) return true;
  for (let i = 1; i < words.length; i += 1) if (CREDENTIAL_PAIRS.has(`${words[i - 1]} ${words[i]}`)) return true;
  // Environment variables: `FERNET_KEY`, `TRAINBOT_SIGNING_KEY`. In lower case `sort_key` is a setting.
  return last === 'key' && words.length > 1 && name === name.toUpperCase();
}

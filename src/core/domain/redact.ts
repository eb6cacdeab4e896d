/**
 * Secret masking for everything Deckhand shows or records: container environments, log lines, audit
 * arguments. Pure functions; the same rules serve `env`, `logs` and the audit log.
 */

export const MASK = '****';

/** Environment keys whose values are secrets. Matched against the upper-cased key. */
const SECRET_KEY = /TOKEN|SECRET|PASSW|PWD|PASSPHRASE|CREDENTIAL|PRIVATE|AUTH|COOKIE|SESSION|SALT|SIGNING|CERT|(^|_)DSN($|_)|(^|_)KEY($|_|S$)|APIKEY|ACCESSKEY/;

/** URL credentials: scheme://user:password@ → password masked. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]+):([^\s@/]+)@/gi;

/** Well-known token formats that are secrets wherever they appear. */
const TOKEN_PATTERNS: RegExp[] = [
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /\bxapp-[A-Za-z0-9-]{10,}/g, // Slack app-level
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g, // GitHub
  /\bgithub_pat_[A-Za-z0-9_]{30,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\b\d{6,12}:AA[A-Za-z0-9_-]{30,}/g, // Telegram bot token
  /\b[sr]k_(live|test)_[A-Za-z0-9]{16,}/g, // Stripe
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];

/** `password=…`, `token: …`, `"apiKey":"…"` in free text: keep the key, mask the value. */
const KEY_VALUE =
  /\b([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)[A-Za-z0-9_.-]*)("?\s*[:=]\s*"?)([^\s",;&')\]}]+)/gi;

const BEARER = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toUpperCase());
}

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * A value that looks like a generated secret: long, no spaces, several character classes and high entropy.
 * Hex digests (git SHAs, image ids) stay visible: their entropy is at most 4 bits per character.
 */
export function looksRandom(value: string): boolean {
  if (value.length < 20 || /\s/.test(value)) return false;
  if (/^[a-z]+:\/\//i.test(value) || value.includes('/') && !/[+=]/.test(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(value)).length;
  return classes >= 3 && entropy(value) >= 4.2;
}

export function maskUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:${MASK}@`);
}

/** Masks one environment value given its key. */
export function maskEnvValue(key: string, value: string): { value: string; masked: boolean } {
  if (value === '') return { value, masked: false };
  if (isSecretKey(key) || looksRandom(value)) return { value: MASK, masked: true };
  const withoutCreds = maskText(value);
  return { value: withoutCreds, masked: withoutCreds !== value };
}

/** Secret values of an environment, to be masked verbatim wherever they appear (e.g. in logs). */
export function secretValues(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v.length >= 4 && (isSecretKey(k) || looksRandom(v)))
    .map(([, v]) => v)
    .sort((a, b) => b.length - a.length);
}

/** Masks secrets in free text: known values first, then URL credentials, token formats and key=value pairs. */
export function maskText(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join(MASK);
  }
  out = maskUrlCredentials(out);
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, MASK);
  out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${MASK}`);
  out = out.replace(KEY_VALUE, (m, key: string, sep: string, value: string) => (value === MASK ? m : `${key}${sep}${MASK}`));
  return out;
}

// The one redaction of this action. Two halves:
// - redactSecrets: text that came from elsewhere (pod logs, events, API bodies) loses anything
//   token-like before it becomes evidence, on the deploy and the verify path alike;
// - maskSecretConfig / isSecretConfigValue: which values of the `config` input the runner masks
//   (core.setSecret), so they are starred wherever they would be printed.

/** Drop anything token-like before it can reach evidence (a refresher that echoes its token). */
export function redactSecrets(text: string): string {
  return text
    .replace(/ya29\.[\w.-]+/g, 'ya29.***')
    .replace(/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, '***jwt***')
    .replace(/(--docker-password[= ])\S+/g, '$1***')
    .replace(/(Bearer\s+)[\w.~+/-]{8,}=*/gi, '$1***')
    .replace(
      /("(?:password|auth|access_token|accessToken|token|id_token|client_secret)"\s*:\s*")[^"]*"/g,
      '$1***"',
    );
}

/** Values shorter than this are never masked: they cannot be told from ordinary words. */
const MIN_MASKED_LENGTH = 8;
/** Values this long are always masked, whatever they look like. */
const ALWAYS_MASKED_LENGTH = 16;

/**
 * Which string values of the Bifrost config are secret. Masking a common word would star it in
 * every log line (`openai`, `postgres`, `enabled`), so: a string of 16+ characters is masked; one of
 * 8–15 characters is masked unless it is a plain lowercase word (letters only, optionally joined
 * by `-` or `_`, such as `anthropic` or `round_robin`); shorter ones are never masked.
 * README "Security" and SECURITY.md describe this rule.
 */
export function isSecretConfigValue(value: string): boolean {
  if (value.length >= ALWAYS_MASKED_LENGTH) return true;
  if (value.length < MIN_MASKED_LENGTH) return false;
  return !/^[a-z]+([-_][a-z]+)*$/.test(value);
}

/**
 * Every string value of a parsed config that isSecretConfigValue selects (keys are names, not
 * secrets), walking the value
 * with an explicit stack: a config nested 50,000 deep must not overflow the call stack.
 */
export function secretConfigValues(config: unknown): string[] {
  const found = new Set<string>();
  const stack: unknown[] = [config];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (isSecretConfigValue(value)) found.add(value);
    } else if (value !== null && typeof value === 'object') {
      for (const child of Object.values(value)) {
        stack.push(child);
      }
    }
  }
  return [...found];
}

/**
 * Masks the `config` input's text, each of its lines, and its secret values. Text that is not
 * JSON is masked whole and line by line (it is refused later, but must never print first).
 */
export function maskSecretConfig(setSecret: (value: string) => void, text: string): void {
  maskText(setSecret, text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return;
  }
  for (const value of secretConfigValues(parsed)) maskText(setSecret, value);
}

/** A secret that spans lines: the runner matches masks line by line, so mask each line too. */
export function maskText(setSecret: (value: string) => void, text: string): void {
  const trimmed = text.trim();
  if (trimmed === '') return;
  setSecret(trimmed);
  if (!trimmed.includes('\n')) return;
  for (const line of trimmed.split(/\r?\n/)) {
    const part = line.trim();
    if (part.length >= MIN_MASKED_LENGTH) setSecret(part);
  }
}

/**
 * The credentials of a kubeconfig (tokens, passwords, client keys and certificates), found
 * without a YAML parser: `key: value` lines whose key names a credential. Used on the input
 * before it is parsed, so not even a parse error can show them.
 */
export function kubeconfigSecrets(text: string): string[] {
  const found: string[] = [];
  const re =
    /["']?(token|password|client-key-data|client-certificate-data|id-token|refresh-token|access-token|client-secret)["']?\s*:\s*["']?([^\s"',}]+)/g;
  for (const match of text.matchAll(re)) {
    if (match[2] && match[2].length >= MIN_MASKED_LENGTH) found.push(match[2]);
  }
  return found;
}

/**
 * Masks the secret inputs before they are read or validated, so no message can show them: the
 * `config` input when it is inline (a path is not secret; its file's content is masked once read),
 * and the `kubeconfig` input with each of its credentials (the runner matches masks per line).
 */
export function maskSecretInputs(
  setSecret: (value: string) => void,
  getInput: (name: string) => string,
): void {
  const config = getInput('config') ?? '';
  if (looksInline(config)) maskSecretConfig(setSecret, config);
  const kubeconfig = getInput('kubeconfig') ?? '';
  if (kubeconfig.trim() !== '') {
    setSecret(kubeconfig.trim());
    for (const secret of kubeconfigSecrets(kubeconfig)) setSecret(secret);
  }
}

/** Inline config: JSON text, or anything that is not a one-line path (never echoed either way). */
export function looksInline(value: string): boolean {
  const text = value.trim();
  return /^[{["]/.test(text) || text.includes('\n') || isJson(text);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// A small YAML writer for the manifests `mode: render` writes (the `yaml` library's
// serialisation was most of render's cold start). It writes plain data only (objects, arrays,
// strings, numbers, booleans, null) in block style, no anchors, aliases or tags. Multi-line
// strings become literal blocks so the refresher script stays readable; every other string is
// written plain only when needsQuotes says both YAML 1.1 readers (kubectl's) and YAML 1.2 readers
// take it back as that same string, else double-quoted with every non-printable escaped.

/** The one quoting rule: true unless `value` is read back as this same string, plain, by a
 * YAML 1.1 and a YAML 1.2 reader. Conservative: a plain string must start with a letter, `_` or
 * `/` (so no number, date, sexagesimal, `.inf`, indicator or `<<`), use only letters, digits and
 * ` _./:@+=,()-`, not end in a space or `:`, hold no `: ` or ` #`, and not be a 1.1 or 1.2
 * boolean or null word (`on`, `No`, `null`, `Y`…). */
export function needsQuotes(value: string): boolean {
  return (
    !/^[A-Za-z_/][A-Za-z0-9 _./:@+=,()-]*$/.test(value) ||
    value.endsWith(' ') ||
    value.endsWith(':') ||
    value.includes(': ') ||
    value.includes(' #') ||
    /^(y|n|yes|no|true|false|on|off|null)$/i.test(value)
  );
}

/** A JSON string is a YAML double-quoted string once the characters YAML does not allow raw
 * (C1 controls, and U+0085/U+2028/U+2029, which are line breaks to a YAML 1.1 reader) are escaped. */
function doubleQuoted(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A literal block keeps a multi-line string as written: only when its first line starts with
 * content, it holds no character a block cannot carry, and it ends in at most one newline. */
function literalBlock(value: string, indent: string): string | undefined {
  if (!value.includes('\n') || /^[\s]/.test(value) || value.endsWith('\n\n')) return undefined;
  // eslint-disable-next-line no-control-regex -- these are exactly what a block cannot carry
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(value)) return undefined;
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  const lines = body.split('\n').map((line) => (line ? indent + line : ''));
  return `${value.endsWith('\n') ? '|' : '|-'}\n${lines.join('\n')}`;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return needsQuotes(value) ? doubleQuoted(value) : value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return String(value);
    return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  }
  if (typeof value === 'boolean') return String(value);
  throw new TypeError(`cannot write a ${typeof value} as YAML`);
}

type Out = string[];

/** Entries of a non-empty mapping at `indent`; the first on the current line when `inline`. */
function mapping(value: object, indent: string, out: Out, inline: boolean): void {
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out.push(inline ? '' : `\n${indent}`, scalar(key), ':');
    inline = false;
    child(v, indent, out);
  }
}

/** Items of a non-empty sequence at `indent`; the first on the current line when `inline`. */
function sequence(items: readonly unknown[], indent: string, out: Out, inline: boolean): void {
  for (const v of items) {
    out.push(inline ? '-' : `\n${indent}-`);
    inline = false;
    if (isNonEmpty(v)) {
      out.push(' ');
      if (Array.isArray(v)) sequence(v, `${indent}  `, out, true);
      else mapping(v, `${indent}  `, out, true);
    } else child(v, indent, out);
  }
}

function isNonEmpty(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  return Array.isArray(v) ? v.length > 0 : Object.values(v).some((x) => x !== undefined);
}

/** The value after `key:` or `-` at `indent`: a scalar on the same line, a collection below. */
function child(v: unknown, indent: string, out: Out): void {
  const inner = `${indent}  `;
  if (isNonEmpty(v)) {
    if (Array.isArray(v)) sequence(v, inner, out, false);
    else mapping(v, inner, out, false);
  } else if (typeof v === 'object' && v !== null) {
    out.push(Array.isArray(v) ? ' []' : ' {}');
  } else {
    out.push(' ', (typeof v === 'string' && literalBlock(v, inner)) || scalar(v));
  }
}

/** One YAML document (no `---`) ending in a newline, for a plain mapping. Keys whose value is
 * undefined are left out, as JSON.stringify leaves them out. */
export function toYamlDocument(value: object): string {
  if (!isNonEmpty(value) || Array.isArray(value)) return '{}\n';
  const out: Out = [];
  mapping(value, '', out, true);
  return `${out.join('')}\n`;
}

// Says how two strings differ, character for character: Entra matches the federated
// credential's issuer and subject exactly, and the usual mistakes are invisible at a glance
// (a trailing slash, letter case, a namespace typo).

/** Empty when equal; otherwise a few lines a person can act on. */
export function explainDifference(label: string, expected: string, found: string): string {
  if (expected === found) return '';
  const quoted = `expected ${JSON.stringify(expected)}, found ${JSON.stringify(found)}`;
  if (expected.toLowerCase() === found.toLowerCase()) {
    return `${label} differs only in letter case (Entra compares case-sensitively): ${quoted}`;
  }
  if (expected.replace(/\/+$/, '') === found.replace(/\/+$/, '')) {
    const which = expected.endsWith('/')
      ? 'expected ends with "/", found does not'
      : 'found ends with "/", expected does not';
    return `${label} differs only by a trailing slash (${which}): ${quoted}`;
  }
  if (expected === found.trim()) {
    return `${label} has surrounding whitespace: ${quoted}`;
  }
  const index = firstDifference(expected, found);
  const at = (text: string) => (index < text.length ? JSON.stringify(text[index]) : 'end of text');
  return (
    `${label} differs at character ${index} (expected ${at(expected)}, found ${at(found)}): ${quoted}\n` +
    `  expected ${JSON.stringify(expected)}\n` +
    `  found    ${JSON.stringify(found)}\n` +
    `           ${' '.repeat(index + 1)}^`
  );
}

export function firstDifference(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return length;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  CHECK_GUIDE,
  allChecks,
  prose,
  renderTroubleshooting,
  sectionOf,
} from '../../scripts/troubleshooting.js';
import { CHECK_IDS } from '../../src/checks/index.js';
import { HINTS } from '../../src/report/hints.js';
import { repoRoot } from '../support/action.js';

const doc = () => readFileSync(path.join(repoRoot, 'docs/TROUBLESHOOTING.md'), 'utf8');

describe('docs/TROUBLESHOOTING.md', () => {
  it('is what scripts/troubleshooting.ts generates from the hint catalogue and the checks (npx tsx scripts/troubleshooting.ts)', () => {
    expect(doc()).toBe(renderTroubleshooting());
  });

  it('documents every check the report can contain, Kubernetes and Azure side, in report order', () => {
    const ids = allChecks().map((check) => check.id);
    expect(ids.slice(0, CHECK_IDS.length)).toEqual([...CHECK_IDS]);
    expect(ids.slice(CHECK_IDS.length)).toEqual([
      'aks-oidc-issuer',
      'aks-workload-identity',
      'managed-identity',
      'federated-credential',
    ]);
    expect(Object.keys(CHECK_GUIDE).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(doc()).toContain(`| \`${id}\` |`);
  });

  it('has an anchored entry for every hint, with its fix, in a section', () => {
    const text = doc();
    for (const hint of HINTS) {
      expect(sectionOf(hint)).toEqual(expect.any(String));
      expect(text).toContain(`<a id="hint-${hint.id}"></a>`);
      expect(text).toContain(`](#hint-${hint.id})`);
      expect(text).toContain(
        `#### ${prose(hint.title)}\n\n${prose(hint.fix)}\n\nRecognised by: \`${hint.match.source}\` · id \`${hint.id}\``,
      );
      if (hint.docs) expect(text).toContain(`[docs](${hint.docs})`);
    }
  });

  it('keeps placeholders visible: <…> outside code is escaped, inside code kept as typed', () => {
    const text = doc();
    // From the Entra hint: prose placeholder, then a command with placeholders.
    expect(text).toContain(
      'subject = system:serviceaccount:&lt;namespace&gt;:&lt;refresher ServiceAccount&gt;',
    );
    expect(text).toContain('`az aks show -g <rg> -n <cluster> --query oidcIssuerProfile.issuerUrl -o tsv`');
    // Outside code spans, no raw tag-like text that a Markdown renderer would drop.
    const outsideCode = text
      .split('\n')
      .filter(
        (line) => !line.startsWith('<a id=') && !line.startsWith('<!--') && !line.startsWith('     edit'),
      )
      .join('\n')
      .split('`')
      .filter((_, i) => i % 2 === 0)
      .join('');
    expect(outsideCode).not.toMatch(/<[a-z]/i);
  });
});

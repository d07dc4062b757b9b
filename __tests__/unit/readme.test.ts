import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { renderReadme } from '../../scripts/docs.js';
import { repoRoot } from '../support/action.js';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

describe('README.md', () => {
  it('documents every input and output exactly as action.yml declares them (npm run docs)', () => {
    const readme = read('README.md');
    expect(renderReadme(readme, read('action.yml'))).toBe(readme);
  });

  it('puts users first: what it does, quick start, setup, troubleshooting, and only then Development', () => {
    const readme = read('README.md');
    const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(sections.slice(0, 2)).toEqual(['Quick start', 'Setup']);
    expect(sections.at(-1)).toBe('Development');
    expect(sections).toEqual(expect.arrayContaining(['Inputs', 'Outputs', 'Troubleshooting', 'Security']));
    const beforeDevelopment = readme.slice(0, readme.indexOf('## Development'));
    expect(beforeDevelopment).toContain('uses: your-org/bifrost-aks-deploy@v1');
    expect(beforeDevelopment).not.toMatch(/^npm /m);
  });

  it('gives the two commands of a fresh machine under Development, and CI runs the test command', () => {
    const development = read('README.md').slice(read('README.md').indexOf('## Development'));
    expect(development).toMatch(/^npm ci && npm run local\b/m);
    expect(development).toMatch(/^npm test\b/m);
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });

  it('links every document it names, and those documents exist', () => {
    const readme = read('README.md');
    const links = [
      ...readme.matchAll(
        /\]\(((?:docs|workflows-examples|scripts)\/[^)#]*|[A-Z]+\.md|LICENSE)(?:#[^)]*)?\)/g,
      ),
    ].map((m) => m[1]);
    expect(links).toEqual(
      expect.arrayContaining(['docs/SETUP.md', 'docs/rbac/deploy.yaml', 'SECURITY.md', 'LICENSE']),
    );
    expect(links.filter((link) => !existsSync(path.join(repoRoot, link)))).toEqual([]);
  });
});

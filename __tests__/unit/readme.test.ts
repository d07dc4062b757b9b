import { readFileSync } from 'node:fs';
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

  it('opens with the local deploy command and the test command, and CI runs the latter', () => {
    const opening = read('README.md').split('\n').slice(0, 30).join('\n');
    expect(opening).toContain('npm ci');
    expect(opening).toContain('npm run local');
    expect(opening).toContain('npm test');
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });
});

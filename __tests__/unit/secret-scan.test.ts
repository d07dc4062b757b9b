// The suite-wide secret scan (support/secret-scan.ts) must fail on a leak, name where it is, and
// catch a piece of a secret as well as the whole. Its registry is per test file: this file resets
// it after each test, so the deliberate leaks below never fail the file itself.
import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  PIECE_LENGTH,
  assertNoLeaks,
  findLeaks,
  registerCapture,
  registerInputSecrets,
  registerSecret,
  resetSecretScan,
} from '../support/secret-scan.js';

const TOKEN = 'emu-ya29.Q2hhcmFjdGVycy1vZi1hLXRva2VuLXRoYXQtbXVzdC1uZXZlci1sZWFr';

afterEach(() => resetSecretScan());

describe('secret scan', () => {
  it('fails on a whole secret, naming the capture and where the secret came from', () => {
    registerSecret(TOKEN, 'IAM emulator access token');
    registerCapture('run runner-x (mode deploy) summary.md', `# Summary\npassword: ${TOKEN}\n`);
    expect(() => assertNoLeaks()).toThrow(
      /run runner-x \(mode deploy\) summary\.md: 12 characters of a secret \(IAM emulator access token\)/,
    );
  });

  it(`fails on any ${PIECE_LENGTH}-character piece, and not on ${PIECE_LENGTH - 1}`, () => {
    registerSecret(TOKEN, 'token');
    registerCapture('stderr', `…${TOKEN.slice(20, 20 + PIECE_LENGTH - 1)}…`);
    expect(findLeaks()).toEqual([]);
    registerCapture('stdout', `cut: ${TOKEN.slice(30, 30 + PIECE_LENGTH)}…`);
    expect(findLeaks()).toEqual([{ where: 'stdout', origin: 'token', at: 5, matched: PIECE_LENGTH }]);
  });

  it('ignores the runner’s ::add-mask:: commands, which are never shown', () => {
    registerSecret(TOKEN, 'token');
    registerCapture('stdout', `::add-mask::${TOKEN}\nCluster: ok\n`);
    expect(() => assertNoLeaks()).not.toThrow();
  });

  it('plants the masked values of a config input and the credentials of a kubeconfig input', () => {
    registerInputSecrets({
      config: JSON.stringify({ providers: { openai: { keys: [{ value: 'sk-live-0123456789abcdef' }] } } }),
      kubeconfig: 'users:\n- name: u\n  user:\n    token: kubeconfig-token-0123456789\n',
    });
    registerCapture('a', 'key sk-live-0123456789abcdef');
    registerCapture('b', 'Authorization: Bearer kubeconfig-token-0123456789');
    registerCapture('c', 'openai providers keys value'); // the names are not secret
    expect(findLeaks().map((l) => `${l.where} ${l.origin}`)).toEqual([
      'a config input',
      'b kubeconfig input',
    ]);
  });

  it('runs after every test file of both projects', () => {
    const config = readFileSync(new URL('../../jest.config.js', import.meta.url), 'utf8');
    expect(config).toMatch(/setupFilesAfterEnv: \['<rootDir>\/__tests__\/support\/secret-scan-setup\.ts'\]/);
    expect(config).toMatch(/projects: \[\s*\{ \.\.\.common/);
  });
});

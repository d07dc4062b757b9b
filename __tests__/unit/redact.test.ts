// The one redaction (src/report/redact.ts): token-like text out of evidence, and which config values the
// runner masks.
import { describe, expect, it } from '@jest/globals';
import {
  isSecretConfigValue,
  kubeconfigSecrets,
  maskSecretConfig,
  maskSecretInputs,
  redactSecrets,
} from '../../src/report/redact.js';

const FAKE_TOKEN = 'ya29.c.fake-access-token-value-0123456789';

describe('redactSecrets', () => {
  it('removes access tokens, JWTs, bearer tokens and passwords from log text', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlLXZhbHVl';
    const text = `token=${FAKE_TOKEN} assertion=${jwt} --docker-password=${FAKE_TOKEN} {"password":"hunter2","auth":"b2F1dGg="} Authorization: Bearer opaque-token-0123456789`;
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain(FAKE_TOKEN.slice(5));
    expect(redacted).not.toContain(jwt);
    expect(redacted).not.toContain('hunter2');
    expect(redacted).not.toContain('b2F1dGg=');
    expect(redacted).not.toContain('opaque-token');
    expect(redacted).toContain('--docker-password=***');
  });
});

describe('isSecretConfigValue: which config values are masked', () => {
  it.each([
    ['sk-proj-0123456789abcdef', true], // 16+: always
    ['https://api.openai.com/v1', true],
    ['abcdefghijklmnopq', true], // 16+ even as a plain word
    ['Passw0rd', true], // 8–15 with a digit or capital
    ['hunter2-x9', true],
    ['anthropic', false], // 8–15 plain lowercase word
    ['round_robin', false],
    ['postgres', false],
    ['us-east-one', false],
    ['gpt-4o-mini', true], // digits: cannot be told from a key
    ['openai', false], // shorter than 8: never
    ['Ab1!', false],
  ])('%s → %s', (value, masked) => {
    expect(isSecretConfigValue(value)).toBe(masked);
  });

  it('masks the text, its lines and its secret values; a config 50,000 deep does not overflow', () => {
    const masked: string[] = [];
    const config = JSON.stringify(
      { providers: { openai: { keys: [{ value: 'sk-live-0123456789abcdef' }], name: 'openai' } } },
      null,
      2,
    );
    maskSecretConfig((v) => masked.push(v), config);
    expect(masked).toContain(config);
    expect(masked).toContain('"value": "sk-live-0123456789abcdef"');
    expect(masked).toContain('sk-live-0123456789abcdef');
    expect(masked).not.toContain('openai');

    const deep = `{"a":${'['.repeat(50_000)}"sk-live-DEEP-0123456789"${']'.repeat(50_000)}}`;
    masked.length = 0;
    expect(() => maskSecretConfig((v) => masked.push(v), deep)).not.toThrow();
    expect(masked).toContain('sk-live-DEEP-0123456789');
  });

  it('masks inline config and kubeconfig inputs, not a config path', () => {
    const masked: string[] = [];
    const inputs: Record<string, string> = {
      config: 'config/bifrost.json',
      kubeconfig:
        'users:\n- name: u\n  user:\n    token: kube-token-0123456789\n    client-key-data: a2V5LWRhdGEtMDEyMzQ1\n',
    };
    maskSecretInputs(
      (v) => masked.push(v),
      (name) => inputs[name] ?? '',
    );
    expect(masked).not.toContain('config/bifrost.json');
    expect(masked).toEqual(expect.arrayContaining(['kube-token-0123456789', 'a2V5LWRhdGEtMDEyMzQ1']));
    inputs.config = '["sk-live-IN-AN-ARRAY-0123"]';
    maskSecretInputs(
      (v) => masked.push(v),
      (name) => inputs[name] ?? '',
    );
    expect(masked).toContain('["sk-live-IN-AN-ARRAY-0123"]');
  });

  it('finds kubeconfig credentials without parsing, in YAML or JSON form', () => {
    expect(
      kubeconfigSecrets('{"users":[{"user":{"token":"json-token-012345","password":"pw-0123456"}}]}'),
    ).toEqual(['json-token-012345', 'pw-0123456']);
  });
});

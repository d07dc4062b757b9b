import { describe, expect, it } from '@jest/globals';
import { EXPIRES_AT_ANNOTATION } from '../../src/manifests/names.js';

describe('settings constants', () => {
  it('names the expiry annotation under the project domain', () => {
    expect(EXPIRES_AT_ANNOTATION).toBe('bifrost.maximhq.dev/expires-at');
  });
});

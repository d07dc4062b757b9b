import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findHint } from '../../src/report/hints.js';
import { parseBearerChallenge, parseImageReference, registryErrorText } from '../../src/chain/registry.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../__fixtures__/registry');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

describe('registry client parsing', () => {
  it('splits image references by tag and by digest', () => {
    expect(parseImageReference('us-central1-docker.pkg.dev/p/hub/bifrost:v1.4.2')).toEqual({
      host: 'us-central1-docker.pkg.dev',
      repository: 'p/hub/bifrost',
      reference: 'v1.4.2',
    });
    expect(parseImageReference('127.0.0.1:5000/p/hub/bifrost@sha256:' + 'a'.repeat(64))).toEqual({
      host: '127.0.0.1:5000',
      repository: 'p/hub/bifrost',
      reference: 'sha256:' + 'a'.repeat(64),
    });
  });

  it("reads the Bearer challenge of a real registry's 401", () => {
    const header = /^Www-Authenticate: (.*)$/m.exec(
      fixture('registry-v2-error-401-unauthorized.acr.azure-sdk-js-recording.headers.txt'),
    )?.[1];
    expect(parseBearerChallenge(header ?? '')).toEqual({
      realm: 'https://myregistry.azurecr.io/oauth2/token',
      service: 'myregistry.azurecr.io',
      scope: 'repository:library/hello-world:metadata_read',
      error: 'invalid_token',
    });
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
  });

  it('prints v2 error bodies the way docker does, and the catalogue knows those words', () => {
    const unauthenticated = registryErrorText(
      fixture('registry-v2-error-403-denied.artifact-registry-token-endpoint.live-curl.json'),
    );
    expect(unauthenticated).toMatch(/^denied: Unauthenticated request\./);
    expect(findHint(unauthenticated)?.id).toBe('ar-unauthenticated');
    const unauthorized = registryErrorText(
      JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'failed authentication' }] }),
    );
    expect(unauthorized).toBe('unauthorized: failed authentication');
    expect(findHint(unauthorized)?.id).toBe('registry-unauthorized');
    const unknown = registryErrorText(
      JSON.stringify({
        errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: 'v9' } }],
      }),
    );
    expect(unknown).toBe('manifest unknown: manifest unknown');
    expect(findHint(unknown)?.id).toBe('image-not-found');
    const denied = registryErrorText(
      JSON.stringify({
        errors: [
          {
            code: 'DENIED',
            message:
              'Permission "artifactregistry.repositories.downloadArtifacts" denied on resource "projects/p/locations/us/repositories/r" (or it may not exist)',
          },
        ],
      }),
    );
    expect(findHint(denied)?.id).toBe('ar-permission-denied');
    expect(registryErrorText('<html>502 Bad Gateway</html>')).toBe('<html>502 Bad Gateway</html>');
  });
});

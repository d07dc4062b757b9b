// The identities every suite deploys with, and Settings built from inputs exactly as the action
// builds them (readSettings). One set of values: the emulators' trust (world.ts) and the tests'
// expectations come from the same place.
import { readSettings } from '../../src/config/inputs.js';
import type { Settings } from '../../src/config/settings.js';

export const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** The managed identity the refresher's ServiceAccount is federated to. */
export const CLIENT_ID = '3f1c2a4b-5d6e-4f70-8a9b-0c1d2e3f4a5b';
export const HUB_SLUG = 'acme';
export const GCP_PROJECT_ID = 'acme-hub';
export const GCP_PROJECT_NUMBER = '123456789012';
export const GCP_SERVICE_ACCOUNT = 'bifrost-puller@acme-hub.iam.gserviceaccount.com';
export const REGISTRY_REGION = 'us-central1';
export const REGISTRY_HOST = `${REGISTRY_REGION}-docker.pkg.dev`;
/** The workload identity provider the default pool and provider names (from the hub slug) make. */
export const PROVIDER_AUDIENCE =
  `//iam.googleapis.com/projects/${GCP_PROJECT_NUMBER}/locations/global/` +
  `workloadIdentityPools/${HUB_SLUG}-azure-pool/providers/${HUB_SLUG}-azure-provider`;

/** The required inputs, and nothing else: every other input keeps its default. */
export const IDENTITY_INPUTS: Readonly<Record<string, string>> = {
  'tenant-id': TENANT_ID,
  'client-id': CLIENT_ID,
  'hub-slug': HUB_SLUG,
  'gcp-project-id': GCP_PROJECT_ID,
  'gcp-project-number': GCP_PROJECT_NUMBER,
  'gcp-service-account': GCP_SERVICE_ACCOUNT,
  'registry-region': REGISTRY_REGION,
};

/** Settings from IDENTITY_INPUTS plus `inputs`, through the action's own validation. */
export function testSettings(inputs: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): Settings {
  const values: Record<string, string> = { ...IDENTITY_INPUTS, ...inputs };
  return readSettings((name) => values[name] ?? '', env);
}

// Two tiers: `unit` (pure code, emulated cloud endpoints) and `e2e` (the real local control
// plane from scripts/cluster.sh, started once per run by the global setup).
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  // After each test file: no planted secret in anything the file captured.
  setupFilesAfterEnv: ['<rootDir>/__tests__/support/secret-scan-setup.ts'],
};

export default {
  // Read only at the top level (not per project): e2e tests wait on a real control plane.
  testTimeout: 180000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/__tests__/support/global-setup.ts',
    },
  ],
};

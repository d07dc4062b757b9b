// Entry point GitHub runs (`node dist/index.js`): wire the real @actions/core into main.
// main.ts is in this chunk (one file less to load on every step); what only the cluster modes
// need, it loads with import().
import * as core from '@actions/core';
import { run } from './main.js';

// A dependency of @kubernetes/client-node (whatwg-url via node-fetch) loads Node's deprecated
// `punycode`; on node24 that prints DEP0040 into every user's log. Drop that one warning only,
// before main loads the client (lazily, so after this).
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = (...args: unknown[]) => {
  const code = typeof args[1] === 'object' ? (args[1] as { code?: string })?.code : args[2];
  if (code !== 'DEP0040') emitWarning(...args);
};

run().catch((error: unknown) => {
  // Only a bug in the action reaches this point; every expected failure is reported by run().
  core.setFailed(
    `Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
});

// Entry point GitHub runs (`node dist/index.js`): run() with the real @actions/core and process.env.
import * as core from '@actions/core';

// A dependency of @kubernetes/client-node (whatwg-url via node-fetch) loads Node's deprecated
// `punycode`; on node24 that prints DEP0040 into every user's log. Drop that one warning only,
// before main's modules load.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = (...args: unknown[]) => {
  const code = typeof args[1] === 'object' ? (args[1] as { code?: string })?.code : args[2];
  if (code !== 'DEP0040') emitWarning(...args);
};

const { run } = await import('./main.js');
run().catch((error: unknown) => {
  // Only a bug in the action reaches this point; every expected failure is reported by run().
  core.setFailed(
    `Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
});

// Entry point GitHub runs (`node dist/index.js`): wire the real @actions/core into main.
import * as core from '@actions/core';
import { run } from './main.js';

run({ core, env: process.env }).catch((error: unknown) => {
  // Only a bug in the action reaches this point; every expected failure is reported by run().
  core.setFailed(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
});

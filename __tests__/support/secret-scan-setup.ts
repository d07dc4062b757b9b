// jest setupFilesAfterEnv (both projects): after each test file, no capture may hold a secret.
import { afterAll, expect } from '@jest/globals';
import path from 'node:path';
import { assertNoLeaks, findLeaks, scanStats } from './secret-scan.js';

afterAll(() => {
  if (process.env.SECRET_SCAN_STATS) {
    const { secrets, captures, bytes } = scanStats();
    const file = path.basename(expect.getState().testPath ?? 'unknown');
    process.stderr.write(
      `secret scan ${file}: ${secrets} secrets, ${captures} captures (${bytes} bytes), ${findLeaks().length} hits\n`,
    );
  }
  assertNoLeaks();
});

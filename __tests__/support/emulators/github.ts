// The GitHub REST API on loopback, as far as the preview sweep uses it:
// `GET /repos/{owner}/{repo}/pulls/{n}` with the documented answer (__fixtures__/github), and the
// documented refusals: 401 Bad credentials, 403 rate limit (x-ratelimit-remaining: 0), 404.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { repoRoot } from '../action.js';
import { sendJson } from './http.js';

function fixture(name: string): string {
  return readFileSync(path.join(repoRoot, '__fixtures__/github', name), 'utf8');
}

export interface PullRequestState {
  state: 'open' | 'closed';
  merged?: boolean;
  closedAt?: string;
}

export interface GitHubEmulator {
  /** GITHUB_API_URL for the action. */
  url: string;
  /** The token the emulator accepts. */
  token: string;
  /** owner/name → pull number → state; unknown pulls answer 404. */
  setPull(repository: string, pr: number, state: PullRequestState): void;
  /** Refuse every request: 401 (bad credentials) or 403 rate limit. */
  refuse(kind: 'unauthorized' | 'rate-limited' | undefined): void;
  requests: string[];
  close(): Promise<void>;
}

export async function startGitHubEmulator(
  token = 'ghs_emulatedWorkflowToken0123456789',
): Promise<GitHubEmulator> {
  const pulls = new Map<string, PullRequestState>();
  const requests: string[] = [];
  const example = JSON.parse(fixture('pulls-get-200.docs-example.excerpt.json')) as Record<string, unknown>;
  let refusal: 'unauthorized' | 'rate-limited' | undefined;

  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const match = /^\/repos\/([^/]+\/[^/]+)\/pulls\/([0-9]+)$/.exec(req.url ?? '');
    const auth = req.headers.authorization ?? '';
    if (refusal === 'unauthorized' || auth !== `Bearer ${token}`) {
      return sendJson(res, 401, fixture('401-bad-credentials.body.json'));
    }
    if (refusal === 'rate-limited') {
      res.setHeader('x-ratelimit-limit', '1000');
      res.setHeader('x-ratelimit-remaining', '0');
      res.setHeader('x-ratelimit-reset', String(Math.floor(Date.now() / 1000) + 1800));
      return sendJson(res, 403, fixture('403-rate-limit-exceeded.body.json'));
    }
    const state = match && req.method === 'GET' ? pulls.get(`${match[1]}#${match[2]}`) : undefined;
    if (!match || !state) return sendJson(res, 404, fixture('404-not-found.body.json'));
    const [repository, number] = [match[1], Number(match[2])];
    const closedAt = state.state === 'closed' ? (state.closedAt ?? new Date().toISOString()) : null;
    const body = {
      ...example,
      url: `http://${req.headers.host}/repos/${repository}/pulls/${number}`,
      html_url: `https://github.com/${repository}/pull/${number}`,
      number,
      state: state.state,
      closed_at: closedAt,
      merged_at: state.merged ? closedAt : null,
      merged: !!state.merged,
    };
    res.setHeader('x-ratelimit-remaining', '999');
    sendJson(res, 200, JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    setPull: (repository, pr, state) => pulls.set(`${repository}#${pr}`, state),
    refuse: (kind) => (refusal = kind),
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

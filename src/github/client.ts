// The GitHub REST API, as far as the preview sweep needs it: the state of a pull request.
// https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request — authenticated with the
// workflow's token at GITHUB_API_URL (https://api.github.com, or the GHES /api/v3 URL).

export const GITHUB_API_VERSION = '2022-11-28';

/** What GitHub says of a pull request; `unknown` when it could not say (the sweep keeps those). */
export type PullState =
  | { state: 'open' }
  | { state: 'closed'; merged: boolean; closedAt?: string }
  | { state: 'unknown'; detail: string };

/** A refusal that makes every answer untrustworthy: the sweep stops before removing anything. */
export class GitHubAuthError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly kind: 'unauthorized' | 'rate-limited' | 'forbidden',
  ) {
    super(message);
    this.name = 'GitHubAuthError';
  }
}

export interface GitHubClient {
  requests: number;
  pullState(pr: number): Promise<PullState>;
}

export function gitHubClient(
  options: { apiUrl: string; token: string; repository: string },
  fetchImpl: typeof fetch = fetch,
): GitHubClient {
  const base = options.apiUrl.replace(/\/+$/, '');
  const client: GitHubClient = {
    requests: 0,
    async pullState(pr: number): Promise<PullState> {
      const url = `${base}/repos/${options.repository}/pulls/${pr}`;
      client.requests++;
      let response: Response;
      try {
        response = await fetchImpl(url, {
          headers: {
            Accept: 'application/vnd.github+json',
            Authorization: `Bearer ${options.token}`,
            'X-GitHub-Api-Version': GITHUB_API_VERSION,
            'User-Agent': 'bifrost-aks-deploy',
          },
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        return { state: 'unknown', detail: `GitHub API unreachable at ${base}: ${(error as Error).message}` };
      }
      const text = await response.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        /* not JSON: keep the status */
      }
      const message = typeof body.message === 'string' ? body.message : text.slice(0, 200);
      if (response.status === 401) {
        throw new GitHubAuthError(`GET ${url}: HTTP 401 ${message}`, 401, 'unauthorized');
      }
      const remaining = response.headers.get('x-ratelimit-remaining');
      if (
        response.status === 429 ||
        (response.status === 403 && (remaining === '0' || /rate limit/i.test(message)))
      ) {
        const reset = Number(response.headers.get('x-ratelimit-reset'));
        const resetText =
          Number.isFinite(reset) && reset > 0
            ? `; the limit resets at ${new Date(reset * 1000).toISOString()}`
            : '';
        throw new GitHubAuthError(
          `GET ${url}: HTTP ${response.status} ${message}${resetText}`,
          response.status,
          'rate-limited',
        );
      }
      if (response.status === 403) {
        throw new GitHubAuthError(`GET ${url}: HTTP 403 ${message}`, 403, 'forbidden');
      }
      if (response.status === 404) {
        return { state: 'unknown', detail: `pull request #${pr} not found (HTTP 404 ${message})` };
      }
      if (!response.ok) {
        return { state: 'unknown', detail: `GitHub answered HTTP ${response.status} ${message}` };
      }
      if (body.state === 'open') return { state: 'open' };
      if (body.state === 'closed') {
        return {
          state: 'closed',
          merged: typeof body.merged_at === 'string' || body.merged === true,
          ...(typeof body.closed_at === 'string' ? { closedAt: body.closed_at } : {}),
        };
      }
      return { state: 'unknown', detail: `pull request #${pr} has state ${JSON.stringify(body.state)}` };
    },
  };
  return client;
}

// Every Kubernetes API call goes through here: the generated API clients and KubernetesObjectApi
// are built on one HTTP library that sends each request through the run's retry policy
// (net/retry.ts). client-node's own library does the sending (TLS, auth, agent); this layer
// decides what may be repeated and bounds each attempt. Watches do not use it (client-node's
// Watch fetches directly); kube.ts's watch helper applies the same policy to reconnects.
import type { Configuration, KubeConfig, Middleware as PromiseMiddleware } from '@kubernetes/client-node';
import {
  createConfiguration,
  IsomorphicFetchHttpLibrary,
  KubernetesObjectApi,
  ResponseContext,
  ServerConfiguration,
  wrapHttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node';
import type { RetryPolicy } from '../net/retry.js';
import { neverSent, RETRY_STATUSES } from '../net/retry.js';

/**
 * Safe to send twice: reads, server-side apply (the same intent applied again), DELETE with
 * preconditions, a Job create (a 409 AlreadyExists carrying our run is adopted by the caller,
 * see KubeClient.createJobFromCronJob) and a TokenRequest (it only mints a token).
 */
export function isRepeatable(method: string, url: string, contentType: string, body: unknown): boolean {
  const { pathname } = new URL(url);
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      return true;
    case 'PATCH':
      return contentType.startsWith('application/apply-patch');
    case 'DELETE':
      return typeof body === 'string' && body.includes('"preconditions"');
    case 'POST':
      return (
        /\/apis\/batch\/v1\/namespaces\/[^/]+\/jobs$/.test(pathname) ||
        /\/serviceaccounts\/[^/]+\/token$/.test(pathname)
      );
    default:
      return false;
  }
}

class RetryingHttpLibrary {
  private readonly inner = new IsomorphicFetchHttpLibrary();

  constructor(
    private readonly policy: RetryPolicy,
    private readonly address: string,
  ) {}

  send(request: RequestContext): Promise<ResponseContext> {
    const method = String(request.getHttpMethod());
    const headers = request.getHeaders();
    const contentType = headers['Content-Type'] ?? headers['content-type'] ?? '';
    const repeatable = isRepeatable(method, request.getUrl(), contentType, request.getBody());
    // Through the service proxy a 5xx is the backend's answer (Bifrost's 503, or "no endpoints
    // available"), not the API server failing: it is evidence for the checks, not a retry.
    const proxied = /\/proxy(\/|$)/.test(new URL(request.getUrl()).pathname);
    const callerSignal = request.getSignal();
    return this.policy.execute('kubernetes', this.address, () => this.attempt(request, callerSignal), {
      // A refused request was never processed: 429 says so, and so does a refused connection.
      judge: (response) =>
        RETRY_STATUSES.has(response.httpStatusCode) &&
        (response.httpStatusCode === 429 || (repeatable && !proxied))
          ? {
              describe: `HTTP ${response.httpStatusCode}`,
              retryAfter: response.headers['retry-after'],
            }
          : undefined,
      resend: (error) => repeatable || neverSent(error),
      discard: (response) => void response.body.text().catch(() => undefined),
    });
  }

  private async attempt(
    request: RequestContext,
    callerSignal: AbortSignal | undefined,
  ): Promise<ResponseContext> {
    const timeoutMs = this.policy.attemptTimeoutMs();
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = [timeout, callerSignal, this.policy.signal].filter((s): s is AbortSignal => !!s);
    request.setSignal(AbortSignal.any(signals));
    try {
      const response = await this.inner.send(request).toPromise();
      // Read the body now, so a connection cut mid-answer is an error of this attempt.
      const text = await response.body.text();
      return new ResponseContext(response.httpStatusCode, response.headers, {
        text: () => Promise.resolve(text),
        binary: () => Promise.resolve(Buffer.from(text)),
      });
    } catch (error) {
      if (timeout.aborted && !this.policy.signal?.aborted && !callerSignal?.aborted) {
        throw Object.assign(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`), {
          code: 'ATTEMPT_TIMEOUT',
        });
      }
      throw error;
    }
  }
}

/** client-node's configuration for `kubeConfig`, sending through the retry policy. */
function configuration(
  kubeConfig: KubeConfig,
  policy: RetryPolicy,
  middleware: PromiseMiddleware[] = [],
): Configuration {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('The kubeconfig has no current cluster.');
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    httpApi: wrapHttpLibrary(new RetryingHttpLibrary(policy, cluster.server)),
    ...(middleware.length > 0 ? { promiseMiddleware: middleware } : {}),
  });
}

/** What `kubeConfig.makeApiClient(Api)` builds, sending through the retry policy. */
export function makeApiClient<T>(
  kubeConfig: KubeConfig,
  api: new (configuration: Configuration) => T,
  policy: RetryPolicy,
): T {
  return new api(configuration(kubeConfig, policy));
}

class RetryingObjectApi extends KubernetesObjectApi {
  constructor(kubeConfig: KubeConfig, configuration: Configuration) {
    super(configuration);
    this.setDefaultNamespace(kubeConfig);
  }
}

/** What `KubernetesObjectApi.makeApiClient(kubeConfig)` builds, sending through the retry policy
 * (and `middleware`, which sees each answer after the retries). */
export function makeObjectApi(
  kubeConfig: KubeConfig,
  policy: RetryPolicy,
  middleware: PromiseMiddleware[] = [],
): KubernetesObjectApi {
  return new RetryingObjectApi(kubeConfig, configuration(kubeConfig, policy, middleware));
}

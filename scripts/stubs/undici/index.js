// See package.json: nothing in the action asks @actions/http-client for an undici dispatcher.
export class ProxyAgent {
  constructor() {
    throw new Error(
      'bifrost-aks-deploy does not bundle undici: HttpClient.getAgentDispatcher is not supported.',
    );
  }
}

// Azure clouds: which Resource Manager and Entra authority each `azure-environment` uses.
// Explicit `resource-manager-url` / `authority-host` inputs win (sovereign variants, emulators).

export type AzureEnvironment = 'AzureCloud' | 'AzureChinaCloud' | 'AzureUSGovernment';

export interface AzureCloudEndpoints {
  resourceManagerUrl: string;
  authorityHost: string;
}

export const AZURE_CLOUDS: Readonly<Record<AzureEnvironment, AzureCloudEndpoints>> = {
  AzureCloud: {
    resourceManagerUrl: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
  },
  AzureChinaCloud: {
    resourceManagerUrl: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
  },
  AzureUSGovernment: {
    resourceManagerUrl: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
  },
};

/** The Entra application every AKS cluster with managed Entra integration accepts tokens for. */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';

export function isAzureEnvironment(value: string): value is AzureEnvironment {
  return Object.prototype.hasOwnProperty.call(AZURE_CLOUDS, value);
}

/** Endpoints for a cloud; non-empty overrides replace the cloud's own (trailing slashes dropped). */
export function resolveAzureCloud(
  environment: AzureEnvironment,
  overrides: Partial<AzureCloudEndpoints> = {},
): AzureCloudEndpoints {
  const cloud = AZURE_CLOUDS[environment];
  return {
    resourceManagerUrl: trimSlashes(overrides.resourceManagerUrl || cloud.resourceManagerUrl),
    authorityHost: trimSlashes(overrides.authorityHost || cloud.authorityHost),
  };
}

/** True when the authority host is one of the public clouds' (MSAL knows their metadata). */
export function isKnownAuthorityHost(authorityHost: string): boolean {
  const host = trimSlashes(authorityHost);
  return Object.values(AZURE_CLOUDS).some((cloud) => cloud.authorityHost === host);
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

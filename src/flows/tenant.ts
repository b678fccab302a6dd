import { CredentialsRejectedError, NetworkError, UsageError } from '../errors.js';
import { jsonObject, type HttpClient, type HttpResponse } from './http.js';

export interface Tenant {
  Id: string;
  CompanyName?: string;
  Alias?: string;
  State?: string;
}

export interface TenantAddress {
  resource: string;
  apiVersion: string;
  tenantId: string;
}

export function tenantUrl({ resource, apiVersion, tenantId }: TenantAddress): string {
  return `${resource}/api/${encodeURIComponent(apiVersion)}/Tenants/${encodeURIComponent(tenantId)}`;
}

/** The verification call of the OCS samples: does the API accept this token for this tenant? */
export function tenantRequest(http: HttpClient, address: TenantAddress, accessToken: string): Promise<HttpResponse> {
  return http.get(tenantUrl(address), { headers: { Authorization: `Bearer ${accessToken}` } });
}

export function processTenantResponse(response: HttpResponse, address: TenantAddress): Tenant {
  if (response.status === 401 || response.status === 403) {
    const challenge = response.headers['www-authenticate'];
    const reason = typeof challenge === 'string' && /error_description="([^"]*)"/.exec(challenge)?.[1];
    throw new CredentialsRejectedError(
      `the API rejected the token for tenant ${address.tenantId} (${response.status}${reason ? `: ${reason}` : ''})`,
    );
  }
  if (response.status === 404) {
    throw new UsageError(`tenant ${address.tenantId} not found at ${address.resource}`, { hint: 'check --tenant-id and --resource' });
  }
  const body = jsonObject(response);
  if (response.status !== 200 || !body || typeof body.Id !== 'string') {
    throw new NetworkError(`the tenant call to ${tenantUrl(address)} answered ${response.status}${body ? '' : ' without JSON'}`);
  }
  return body as unknown as Tenant;
}

export async function fetchTenant(http: HttpClient, address: TenantAddress, accessToken: string): Promise<Tenant> {
  return processTenantResponse(await tenantRequest(http, address, accessToken), address);
}

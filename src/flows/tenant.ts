import { CredentialsRejectedError, NetworkError, UsageError } from '../errors.js';
import { DEFAULT_API_VERSION } from '../config/settings.js';
import { type HttpClient, type HttpResponse, jsonObject, unavailableHint } from './http.js';

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
    // A 403 for a token the server has just issued is about the tenant, not the login: OCS
    // answers it for a tenant the client or user does not belong to. A 401 is the token itself.
    throw new CredentialsRejectedError(
      `the API rejected the token for tenant ${address.tenantId} (${response.status}${reason ? `: ${reason}` : ''})`,
      response.status === 403 ? { hint: `check the tenant id (--tenant-id, OCS_TENANT_ID): is ${address.tenantId} the tenant this client was made in?` } : {},
    );
  }
  if (response.status === 404) {
    // OCS answers 403, never 404, for a tenant that is not the caller's: a 404 is the path.
    if (address.apiVersion !== DEFAULT_API_VERSION) {
      throw new UsageError(`the API has no ${tenantUrl(address)}: API version "${address.apiVersion}" is the likely cause`, {
        hint: `the tenant call is under ${DEFAULT_API_VERSION}: try --api-version ${DEFAULT_API_VERSION} (or drop OCS_API_VERSION / api_version)`,
      });
    }
    // The call is made only with a token the identity server has issued for these settings, so
    // the sign-in is fine: what is missing is an OCS tenant API on this resource.
    throw new UsageError(`the sign-in worked, but ${tenantUrl(address)} answered 404: ${address.resource} has no OCS tenant API`, {
      hint: `OCS and AVEVA Data Hub answer this call for every tenant (403, not 404, for one that is not yours): is ${address.resource} an OCS / AVEVA Data Hub server? For a CONNECT account, give --account-id instead of --tenant-id`,
    });
  }
  const body = jsonObject(response);
  if (response.status !== 200 || !body || typeof body.Id !== 'string') {
    throw new NetworkError(`the tenant call to ${tenantUrl(address)} answered ${response.status}${body ? '' : ' without JSON'}`, { hint: unavailableHint(response) });
  }
  return body as unknown as Tenant;
}

export async function fetchTenant(http: HttpClient, address: TenantAddress, accessToken: string): Promise<Tenant> {
  return processTenantResponse(await tenantRequest(http, address, accessToken), address);
}

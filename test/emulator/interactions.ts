import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';

export interface TestUser {
  sub: string;
  login: string;
  password: string;
  name: string;
  email: string;
}

export interface InteractionOptions {
  provider: Provider;
  user: TestUser;
  // Called once per consented login with the tenant named by `acr_values=tenant:{id}`.
  onGrant: (grantId: string, tenantId: string | undefined) => void;
}

// The login and consent pages. oidc-provider's devInteractions would accept any password and
// print a warning on every start, so the emulator serves its own pages, keeping the
// devInteractions form field names (login, password, prompt=login|consent) and adding
// a Cancel link (…/abort) that ends the login with error=access_denied.
export function createInteractions({ provider, user, onGrant }: InteractionOptions) {
  async function show(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new InteractionMismatch();
    if (details.prompt.name === 'login') {
      sendHtml(res, 200, loginPage(uid));
    } else if (details.prompt.name === 'consent') {
      sendHtml(res, 200, consentPage(uid, details.params.client_id ?? '', requestedScopes(details.params.scope)));
    } else {
      sendHtml(res, 501, errorPage(`Unsupported prompt ${details.prompt.name}`));
    }
  }

  async function submit(req: IncomingMessage, res: ServerResponse, uid: string, form: Record<string, string>): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid || form.prompt !== details.prompt.name) throw new InteractionMismatch();

    if (details.prompt.name === 'login') {
      const loginOk = form.login?.trim().toLowerCase() === user.login.toLowerCase();
      if (!loginOk || form.password !== user.password) {
        sendHtml(res, 200, loginPage(uid, 'Invalid login or password.', form.login ?? ''));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
      return;
    }

    const accountId = details.session?.accountId;
    const clientId = details.params.client_id;
    if (!accountId || !clientId) throw new InteractionMismatch();
    // A fresh grant per login, so the tenant it was made for stays attached to its tokens.
    const grant = new provider.Grant({ accountId, clientId });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    onGrant(grantId, tenantFromAcrValues(details.params.acr_values));
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  async function abort(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }

  return { show, submit, abort };
}

// Thrown for requests that do not belong to the interaction in the cookie (stale tab, replayed
// form); oidc-provider's own SessionNotFound covers a missing or expired cookie.
export class InteractionMismatch extends Error {
  override name = 'InteractionMismatch';
}

export function isInteractionError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'SessionNotFound' || err instanceof InteractionMismatch);
}

export function errorPage(message: string): string {
  return page('Error', `<h1>Error</h1><p class="error" role="alert" style="white-space:pre-line">${escapeHtml(message)}</p>`);
}

function tenantFromAcrValues(acrValues: string | undefined): string | undefined {
  return acrValues?.split(' ').find((v) => v.startsWith('tenant:'))?.slice('tenant:'.length) || undefined;
}

function requestedScopes(scope: string | undefined): string[] {
  return (scope ?? '').split(' ').filter(Boolean);
}

function loginPage(uid: string, error?: string, login = ''): string {
  return page('Sign-in', `
<h1>Sign-in</h1>
<p>OCS emulator</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/identity/interaction/${encodeURIComponent(uid)}" autocomplete="off">
  <input type="hidden" name="prompt" value="login">
  <label>Email <input type="text" name="login" value="${escapeHtml(login)}" autofocus></label>
  <label>Password <input type="password" name="password"></label>
  <button type="submit">Sign-in</button>
</form>
<a id="cancel" href="/identity/interaction/${encodeURIComponent(uid)}/abort">Cancel</a>`);
}

function consentPage(uid: string, clientId: string, scopes: string[]): string {
  return page('Authorize', `
<h1>Authorize</h1>
<p>Client <strong>${escapeHtml(clientId)}</strong> asks for:</p>
<ul>${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
<form method="post" action="/identity/interaction/${encodeURIComponent(uid)}" autocomplete="off">
  <input type="hidden" name="prompt" value="consent">
  <button type="submit" autofocus>Allow</button>
</form>
<a id="cancel" href="/identity/interaction/${encodeURIComponent(uid)}/abort">Cancel</a>`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:22rem;margin:3rem auto}label,button{display:block;margin:.5rem 0}.error{color:#b00020}</style>
</head><body>${body}</body></html>`;
}

export function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(body);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Drives the OCS emulator's login in real headless Chromium, the way a person would after the
// CLI opened their browser. Selectors match the emulator's pages (and oidc-provider's
// devInteractions): input[name=login|password], input[name=prompt][value=consent], a#cancel.
import { chromium, type Browser, type Page } from 'playwright-core';

export interface BrowserUser {
  login: string;
  password: string;
}

export interface BrowserLoginOptions {
  /** Give consent (default true). false clicks Cancel on the consent page: access_denied after signing in. */
  consent?: boolean | undefined;
  /** Click Cancel on the sign-in page instead of signing in: access_denied without credentials. */
  deny?: boolean | undefined;
  /** Give up after this long (default 20 s). */
  timeoutMs?: number | undefined;
}

export const CHROMIUM = '/usr/bin/chromium';
// Root needs --no-sandbox; the rest keeps Chromium from phoning home or touching GPU/QUIC.
// chromium.launch() gives every browser a fresh temporary profile.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Opens `authorizeUrl`, signs in as `user`, answers the consent page, and waits until the
 * browser has loaded the page at the request's redirect_uri (served by whoever listens there,
 * e.g. the CLI's loopback server). Resolves with that redirect URL (code/state or error).
 * Rejects when sign-in is refused (wrong password), an error page shows up, or nothing answers
 * at the redirect URI.
 */
export async function completeBrowserLogin(authorizeUrl: string, user: BrowserUser, opts: BrowserLoginOptions = {}): Promise<URL> {
  return (await runLogin(authorizeUrl, user, opts, false)).url;
}

/** completeBrowserLogin, and the text of the page the browser ended on, as the person reads it. */
export function browserLoginPage(authorizeUrl: string, user: BrowserUser, opts: BrowserLoginOptions = {}): Promise<{ url: URL; text: string }> {
  return runLogin(authorizeUrl, user, opts, false);
}

/**
 * Same flow, but the browser's request to the redirect URI is answered by the helper itself and
 * never reaches the network: for tests that want the code/state (or error) without delivering
 * it, e.g. to deliver it later, tampered, twice, or not at all.
 */
export async function captureBrowserRedirect(authorizeUrl: string, user: BrowserUser, opts: BrowserLoginOptions = {}): Promise<URL> {
  return (await runLogin(authorizeUrl, user, opts, true)).url;
}

async function runLogin(authorizeUrl: string, user: BrowserUser, opts: BrowserLoginOptions, capture: boolean): Promise<{ url: URL; text: string }> {
  const timeout = opts.timeoutMs ?? 20_000;
  const redirectUri = new URL(authorizeUrl).searchParams.get('redirect_uri');
  if (!redirectUri) throw new Error('authorize URL has no redirect_uri');
  const target = new URL(redirectUri);
  const isRedirect = (url: string): boolean => {
    const u = new URL(url);
    return u.origin === target.origin && u.pathname === target.pathname;
  };

  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(timeout);
    const redirected = capture ? (await interceptRedirect(page, target)).captured : observeRedirect(page, isRedirect);
    // Settles with the flow even when nobody awaits it on an early failure path.
    redirected.catch(() => {});

    await page.goto(authorizeUrl, { waitUntil: 'domcontentloaded' });
    let shown: 'login' | 'consent' | 'error' | 'redirect' = await whichShows(page, redirected, { login: 'input[name="password"]', error: '.error' });
    if (shown === 'login') {
      if (opts.deny) {
        await page.click('a#cancel');
      } else {
        await page.fill('input[name="login"]', user.login);
        await page.fill('input[name="password"]', user.password);
        await page.click('button[type="submit"]');
      }
      shown = await whichShows(page, redirected, { consent: 'input[name="prompt"][value="consent"]', error: '.error' });
    }
    // A login the CLI sends round again (a refused scope) comes back to a consent page.
    for (let rounds = 0; shown === 'consent'; rounds++) {
      if (rounds === 3) throw new Error(`consent asked for again and again at ${page.url()}`);
      const answered = page.url();
      await page.click(opts.consent === false ? 'a#cancel' : 'button[type="submit"]');
      // Not the page just answered (each interaction has an address of its own): whatever comes after it.
      await Promise.race([page.waitForURL((url) => url.href !== answered), redirected]);
      shown = await whichShows(page, redirected, { consent: 'input[name="prompt"][value="consent"]', error: '.error' });
    }
    if (shown === 'error') {
      const text = (await page.locator('.error').first().innerText()).trim();
      throw new Error(`browser login failed at ${page.url()}: ${text}`);
    }
    const url = await redirected;
    if (!capture) await page.waitForLoadState('load');
    return { url, text: capture ? '' : await page.locator('body').innerText() };
  } finally {
    await browser.close();
  }
}

// Resolves when the redirect URI's response arrives; rejects when the browser cannot reach it.
function observeRedirect(page: Page, isRedirect: (url: string) => boolean): Promise<URL> {
  return new Promise((resolve, reject) => {
    page.on('response', (response) => {
      // A page, not a hop on the way: the loopback may send the browser on (to sign in again).
      const hop = response.status() >= 300 && response.status() < 400;
      if (isRedirect(response.url()) && !hop) resolve(new URL(response.url()));
    });
    page.on('requestfailed', (request) => {
      if (isRedirect(request.url())) {
        reject(new Error(`nothing answered at the redirect URI ${request.url()}: ${request.failure()?.errorText ?? 'request failed'}`));
      }
    });
  });
}

// page.route() never sees the hops of a redirect chain (playwright documents this), and the
// redirect URI is always reached through one; CDP's Fetch domain does see them.
async function interceptRedirect(page: Page, target: URL): Promise<{ captured: Promise<URL> }> {
  const cdp = await page.context().newCDPSession(page);
  const captured = new Promise<URL>((resolve) => {
    cdp.on('Fetch.requestPaused', (event) => {
      resolve(new URL(event.request.url));
      void cdp.send('Fetch.fulfillRequest', {
        requestId: event.requestId,
        responseCode: 200,
        responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }],
        body: Buffer.from('<!DOCTYPE html><title>captured</title><p>Redirect captured by the test.</p>').toString('base64'),
      }).catch(() => {});
    });
  });
  const pattern = `${target.origin}${target.pathname}*`;
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: pattern, requestStage: 'Request' }] });
  return { captured };
}

// Waits until the redirect happened or one of the selectors is present in the current page.
async function whichShows<K extends string>(page: Page, redirected: Promise<URL>, selectors: Record<K, string>): Promise<K | 'redirect'> {
  const waits = (Object.entries(selectors) as Array<[K, string]>).map(([name, selector]) =>
    page.locator(selector).first().waitFor({ state: 'attached' }).then(() => name));
  try {
    return await Promise.race([redirected.then(() => 'redirect' as const), ...waits]);
  } finally {
    // The losers keep polling until the page closes; their rejections then mean nothing.
    for (const w of waits) w.catch(() => {});
  }
}

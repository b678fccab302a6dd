// Enters a device code in real headless Chromium the way a person would after reading it off
// the CLI's stderr: open the verification page, type the code, confirm, sign in, consent.
// The pages are oidc-provider's own (user code input and confirmation) and the emulator's
// sign-in and consent pages (test/emulator/interactions.ts).
import { chromium, type Page } from 'playwright-core';
import type { BrowserUser } from './browser-login.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './browser-login.ts';

export interface DeviceApprovalOptions {
  /** Where the person says no: "[ Abort ]" on the confirmation page, or Cancel on the consent page. */
  deny?: 'confirm' | 'consent' | undefined;
  /** Give up after this long (default 20 s). */
  timeoutMs?: number | undefined;
}

/** Resolves with the text of the last page: the success page, or the one saying the sign-in was aborted. */
export async function approveDeviceCode(verificationUri: string, userCode: string, user: BrowserUser, opts: DeviceApprovalOptions = {}): Promise<string> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(opts.timeoutMs ?? 20_000);
    // The provider's pages @import a web font; there is no internet here, so answer at once.
    await page.route(/fonts\.googleapis\.com/, (route) => route.fulfill({ status: 200, contentType: 'text/css', body: '' }));
    await page.goto(verificationUri, { waitUntil: 'domcontentloaded' });
    await page.fill('input[name="user_code"]', userCode);
    await page.click('button[form="op.deviceInputForm"]');

    await page.locator('button[form="op.deviceConfirmForm"][autofocus]').waitFor();
    if (opts.deny === 'confirm') {
      await page.click('button[name="abort"]');
      return await bodyText(page, /interrupted|error/i);
    }
    await page.click('button[form="op.deviceConfirmForm"][autofocus]');

    await page.fill('input[name="login"]', user.login);
    await page.fill('input[name="password"]', user.password);
    await page.click('button[type="submit"]');
    await page.locator('input[name="prompt"][value="consent"]').waitFor({ state: 'attached' });
    await page.click(opts.deny === 'consent' ? 'a#cancel' : 'button[type="submit"]');
    return await bodyText(page, opts.deny ? /interrupted|error|denied/i : /success/i);
  } finally {
    await browser.close();
  }
}

async function bodyText(page: Page, expected: RegExp): Promise<string> {
  await page.getByText(expected).first().waitFor();
  return page.locator('body').innerText();
}

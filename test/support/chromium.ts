// Debian's Chromium for the browser tests and bench:ui (never a downloaded browser build), driven by puppeteer-core.
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // root in CI containers: Chromium's sandbox needs user namespaces it does not have there
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage', ...extraArgs],
  });
}

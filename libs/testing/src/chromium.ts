import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, headless, for the browser tests (driven by playwright-core: no browser
 * download). `./throughcare test` provisions it and sets CHROMIUM_PATH; when it could not (no
 * root or sudo, not Debian), CHROMIUM_UNAVAILABLE says why and every browser test fails with that
 * reason, not a launcher's stack trace. As root (CI) Chromium's sandbox cannot start: the pages are
 * the platform's own.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH;
  if (!executablePath)
    throw new Error(
      `no Chromium for the browser tests: ${process.env.CHROMIUM_UNAVAILABLE ?? 'CHROMIUM_PATH is not set (run through ./throughcare test)'}. Install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium executable.`,
    );
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}

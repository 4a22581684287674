import * as path from 'node:path';
import { paths } from '../paths';
import { isExecutable, log, mkdirp, run } from '../util';

/** Where Debian's `chromium` package puts the browser (the executable playwright-core drives). */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium for the browser tests (the dashboard, driven by playwright-core): `CHROMIUM_PATH`
 * overrides with an existing executable; else /usr/bin/chromium, installed with apt when missing
 * (as root, or through `sudo -n`; the package lists are refreshed once if the package is not
 * found). Its log is <cache>/logs/provision-chromium.log.
 */
export async function provisionChromium(): Promise<string> {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!isExecutable(override)) throw new Error(`CHROMIUM_PATH=${override} is not an executable file`);
    return override;
  }
  if (isExecutable(DEBIAN_CHROMIUM)) {
    log('chromium', `installed: ${DEBIAN_CHROMIUM}`);
    return DEBIAN_CHROMIUM;
  }
  const root = process.getuid?.() === 0;
  const apt = (args: string[]) =>
    run(root ? 'apt-get' : 'sudo', root ? args : ['-n', 'apt-get', ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      logFile: path.join(mkdirp(paths.logDir), 'provision-chromium.log'),
      scope: 'chromium',
    });
  const install = ['install', '-y', '--no-install-recommends', 'chromium'];
  log('chromium', 'installing Debian chromium with apt (~1 min; needs root or passwordless sudo)');
  try {
    await apt(install);
  } catch {
    log('chromium', 'not installable from the current package lists: apt-get update, then again');
    await apt(['update']);
    await apt(install);
  }
  if (!isExecutable(DEBIAN_CHROMIUM))
    throw new Error(
      `apt installed chromium, but ${DEBIAN_CHROMIUM} is not there (set CHROMIUM_PATH to the browser)`,
    );
  return DEBIAN_CHROMIUM;
}

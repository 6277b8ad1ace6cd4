// The browser tests drive Debian's Chromium (a test tool's own browser download cannot be used).
// On a fresh Debian/Ubuntu machine where we are root, install it; otherwise say exactly what to do.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';
import process from 'node:process';
import console from 'node:console';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (isRoot && hasApt) {
  console.log(`${CHROMIUM} not found: installing Debian's chromium package for the browser tests…`);
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', {
    stdio: 'inherit',
  });
  if (existsSync(CHROMIUM)) process.exit(0);
}
console.error(
  `The browser tests need Chromium at ${CHROMIUM} (set CHROMIUM_PATH to use another). ` +
    'On Debian/Ubuntu: sudo apt-get install chromium',
);
process.exit(1);

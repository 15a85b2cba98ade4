// The Chromium every benchmark and diagnostic launches: Debian's build, headless, with the flags
// that keep it off the network here. No side effects on import (config.mjs parses the runner's
// command line when it loads, so scripts with their own flags import this instead).

import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
];

/** Launches headless Chromium (30 s to start). */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true, timeout: 30_000 });
}

import { type Browser, chromium } from 'playwright-core';

// The browser tests' Chromium: Debian's package through playwright-core, headless, with nothing of its
// own reaching out to the network. launch() gives it a fresh temporary profile and removes it on close.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS, timeout: 30_000 });
}

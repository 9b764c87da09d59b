// Drives Debian's firefox-esr for the Python tests (tests/engines/drivers.py) over WebDriver
// BiDi with puppeteer-core: one JSON command per stdin line, one JSON reply per stdout line.
//
//   {"cmd": "goto", "url": "..."}                 → {"ok": true}
//   {"cmd": "evaluate", "expression": "..."}      → {"ok": true, "value": ...}  (awaited)
//   {"cmd": "setFiles", "selector": "...", "paths": [...]}
//   {"cmd": "viewport", "width": 390, "height": 844}
//   {"cmd": "screenshot", "path": "...png"}       (full page)
//   {"cmd": "reload"} | {"cmd": "errors"} | {"cmd": "close"}
// Failures reply {"ok": false, "error": "..."}. argv[2]: the Firefox binary.

import { createInterface } from 'node:readline';
import puppeteer from 'puppeteer-core';

const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath: process.argv[2] ?? '/usr/bin/firefox-esr',
  headless: true,
  protocolTimeout: 600_000, // the Python side bounds every wait itself
  // puppeteer makes a fresh temporary profile each launch: every start-up is a first visit.
});
const page = (await browser.pages())[0] ?? (await browser.newPage());
const errors = [];
page.on('pageerror', (error) => errors.push(`pageerror: ${error.message ?? error}`));
page.on('console', (message) => message.type() === 'error' && errors.push(`console: ${message.text()}`));

const commands = {
  goto: ({ url }) => page.goto(url, { waitUntil: 'load' }).then(() => undefined),
  reload: () => page.reload({ waitUntil: 'load' }).then(() => undefined),
  evaluate: ({ expression }) => page.evaluate(expression),
  setFiles: async ({ selector, paths }) => (await page.$(selector)).uploadFile(...paths),
  viewport: ({ width, height }) => page.setViewport({ width, height }),
  screenshot: ({ path }) => page.screenshot({ path, fullPage: true }).then(() => undefined),
  errors: () => errors.splice(0),
  close: async () => {
    await browser.close();
    process.exit(0);
  },
};

const reply = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
reply({ ok: true, value: await browser.version() }); // ready
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  try {
    reply({ ok: true, value: (await commands[request.cmd](request)) ?? null });
  } catch (error) {
    reply({ ok: false, error: String(error?.message ?? error) });
  }
}
await browser.close();

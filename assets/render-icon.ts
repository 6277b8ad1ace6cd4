/** Renders assets/icon.svg to assets/icon.png (512×512) with the system Chromium: `tsx assets/render-icon.ts`. */
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const svg = await readFile(new URL('./icon.svg', import.meta.url), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 512, height: 512 }, deviceScaleFactor: 1 });
  await page.setContent(
    `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', '<svg width="512" height="512" ')}</body></html>`,
  );
  await page.screenshot({
    path: new URL('./icon.png', import.meta.url).pathname,
    omitBackground: true,
    clip: { x: 0, y: 0, width: 512, height: 512 },
  });
} finally {
  await browser.close();
}

/**
 * Renders media/icon.svg (the source) to media/icon.png (256x256, transparent corners) with headless
 * Chromium: the marketplace needs a PNG, and no image tool is assumed. Run after editing the SVG.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from './lib/browser';
import { ROOT } from './lib/util';

async function main(): Promise<void> {
  const svg = readFileSync(join(ROOT, 'media', 'icon.svg'), 'utf8');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 256, height: 256 } });
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: join(ROOT, 'media', 'icon.png'), omitBackground: true });
  } finally {
    await browser.close();
  }
  console.log('media/icon.png written');
}

void main();

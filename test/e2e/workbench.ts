/**
 * Driving the VS Code web workbench (code-server) the way a user does: Quick Open, the command palette,
 * quick picks, hovers, the Problems panel, and the KV Lens webview inside its two iframes. Every step waits
 * for what it needs to see; screenshots go to .test-output/e2e/.
 */
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { TEST_OUTPUT } from '../../scripts/lib/util';

export const E2E_OUTPUT = join(TEST_OUTPUT, 'e2e');

/** Generous for a cold workbench on a shared 2-core machine; every wait ends as soon as its condition holds. */
export const STEP_TIMEOUT_MS = 60_000;

/** The workbench is up and the explorer lists the workspace. */
export async function waitForWorkbench(page: Page, aFileName: string): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: STEP_TIMEOUT_MS * 2 });
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: aFileName }).first().waitFor({ timeout: STEP_TIMEOUT_MS * 2 });
}

/** The quick input box (Quick Open or the command palette), once visible. */
function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget input[type="text"], .quick-input-widget input:not([type])').first();
}

/** Picks the row whose label contains `label` in the open quick input. */
export async function pickRow(page: Page, label: string | RegExp): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ timeout: STEP_TIMEOUT_MS });
  await row.click();
}

/**
 * Opens a workspace file by relative path with Quick Open (Ctrl+P), and waits until the active editor
 * group's breadcrumbs show that file (an already active config.json elsewhere must not count).
 */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = quickInput(page);
  await input.waitFor({ timeout: STEP_TIMEOUT_MS });
  await input.fill(relativePath);
  const parts = relativePath.split('/');
  const folder = parts.slice(-2, -1)[0] ?? '';
  // Click the row of that folder: Enter would take the top row, which can be a recently opened config.json.
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: folder }).first();
  await row.waitFor({ timeout: STEP_TIMEOUT_MS });
  await row.click();
  const active = page.locator('.editor-group-container.active');
  await active.locator('.breadcrumbs-control', { hasText: folder }).first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await active.locator('.monaco-editor .view-lines').first().waitFor({ timeout: STEP_TIMEOUT_MS });
}

/** Closes every editor (and webview panel) so a step starts from a known layout. */
export async function closeAllEditors(page: Page): Promise<void> {
  await runCommand(page, 'View: Close All Editors');
  await page.locator('.editor-group-container .tab').first().waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
}

/** Runs a command from the command palette (F1) by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = quickInput(page);
  await input.waitFor({ timeout: STEP_TIMEOUT_MS });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
}

/** Hovers the mouse over the first token containing `text` in the active editor and returns the hover's text. */
export async function hoverOver(page: Page, text: string, expect: RegExp): Promise<string> {
  const token = page.locator('.editor-group-container.active .monaco-editor .view-line span span', { hasText: text }).first();
  await token.waitFor({ timeout: STEP_TIMEOUT_MS });
  const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-resizable-hover .monaco-hover-content', { hasText: expect }).first();
  // Hovers appear after a delay and vanish if the pointer leaves: move onto the token until one shows.
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    await page.mouse.move(0, 0);
    await token.hover();
    try {
      await hover.waitFor({ timeout: 5_000 });
      return (await hover.innerText()).trim();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

/** The visible KV Lens webview's document: the workbench's webview iframe, then its active frame. */
export function kvLensWebview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready >> visible=true').first().frameLocator('#active-frame');
}

/** A full-page screenshot under .test-output/e2e/. */
export async function shot(page: Page, name: string): Promise<string> {
  const path = join(E2E_OUTPUT, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Serves the panel to headless Chromium exactly as the extension would: the same HTML shell and CSP
 * (renderPanelHtml), the bundle built from webview/main.ts with the project's webview build options,
 * and a stub of `acquireVsCodeApi` that records what the webview posts and keeps its state.
 * Themes are applied the way VS Code does it: --vscode-* variables on <html> and a body class.
 */
import { createServer, type Server } from 'node:http';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import * as esbuild from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { renderPanelHtml, makeNonce } from '../../src/extension/panel/html';
import { CONFIGS } from '../fixtures/paths';

export const ROOT = join(__dirname, '..', '..');
export const OUT = join(ROOT, '.test-output', 'panel');
export { CONFIGS };

/** A real config's text from test/fixtures/configs. */
export function config(name: string): string {
  return readFileSync(join(CONFIGS, `${name}.json`), 'utf8');
}

/** Builds the webview bundle (same options as esbuild.mjs's webview entry) into .test-output. */
export async function buildBundle(): Promise<string> {
  const outdir = join(OUT, 'bundle');
  mkdirSync(outdir, { recursive: true });
  await esbuild.build({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { webview: join(ROOT, 'webview', 'main.ts') },
    outdir,
    logLevel: 'silent',
  });
  return outdir;
}

/** Theme colours as VS Code's Dark Modern and Light Modern themes define them (the subset the panel reads). */
export const THEMES: Record<'dark' | 'light' | 'hc', { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
      '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-editorWidget-background': '#202020',
      '--vscode-panel-border': '#2b2b2b',
      '--vscode-widget-border': '#313131',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-textLink-foreground': '#4daafc',
      '--vscode-errorForeground': '#f85149',
      '--vscode-inputValidation-errorBackground': '#5a1d1d',
      '--vscode-inputValidation-errorBorder': '#be1100',
      '--vscode-badge-background': '#616161',
      '--vscode-badge-foreground': '#f8f8f8',
      '--vscode-button-background': '#0078d4',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#026ec1',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-button-secondaryHoverBackground': '#3c3c3c',
      '--vscode-button-border': '#ffffff12',
      '--vscode-settings-textInputBackground': '#313131',
      '--vscode-settings-textInputForeground': '#cccccc',
      '--vscode-settings-textInputBorder': '#3c3c3c',
      '--vscode-settings-dropdownBackground': '#313131',
      '--vscode-settings-dropdownForeground': '#cccccc',
      '--vscode-settings-dropdownBorder': '#3c3c3c',
      '--vscode-settings-dropdownListBorder': '#454545',
      '--vscode-list-hoverBackground': '#2a2d2e',
      '--vscode-list-inactiveSelectionBackground': '#37373d',
      '--vscode-list-activeSelectionBackground': '#04395e',
      '--vscode-charts-foreground': '#cccccc',
      '--vscode-charts-lines': '#cccccc80',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-yellow': '#cca700',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
      '--vscode-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-editor-background': '#ffffff',
      '--vscode-editorWidget-background': '#f8f8f8',
      '--vscode-panel-border': '#e5e5e5',
      '--vscode-widget-border': '#e5e5e5',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-textLink-foreground': '#005fb8',
      '--vscode-errorForeground': '#f85149',
      '--vscode-inputValidation-errorBackground': '#f2dede',
      '--vscode-inputValidation-errorBorder': '#be1100',
      '--vscode-badge-background': '#cccccc',
      '--vscode-badge-foreground': '#3b3b3b',
      '--vscode-button-background': '#005fb8',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-hoverBackground': '#0258a8',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-button-secondaryHoverBackground': '#cccccc',
      '--vscode-button-border': '#0000001a',
      '--vscode-settings-textInputBackground': '#ffffff',
      '--vscode-settings-textInputForeground': '#3b3b3b',
      '--vscode-settings-textInputBorder': '#cecece',
      '--vscode-settings-dropdownBackground': '#ffffff',
      '--vscode-settings-dropdownForeground': '#3b3b3b',
      '--vscode-settings-dropdownBorder': '#cecece',
      '--vscode-settings-dropdownListBorder': '#c8c8c8',
      '--vscode-list-hoverBackground': '#f2f2f2',
      '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
      '--vscode-list-activeSelectionBackground': '#e8e8e8',
      '--vscode-charts-foreground': '#616161',
      '--vscode-charts-lines': '#61616180',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-yellow': '#bf8803',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90',
    },
  },
  hc: {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
      '--vscode-foreground': '#ffffff',
      '--vscode-descriptionForeground': '#ffffffb3',
      '--vscode-editor-background': '#000000',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-contrastActiveBorder': '#f38518',
      '--vscode-panel-border': '#6fc3df',
      '--vscode-focusBorder': '#f38518',
      '--vscode-textLink-foreground': '#21a6ff',
      '--vscode-errorForeground': '#f48771',
      '--vscode-inputValidation-errorBackground': '#000000',
      '--vscode-inputValidation-errorBorder': '#6fc3df',
      '--vscode-badge-background': '#000000',
      '--vscode-badge-foreground': '#ffffff',
      '--vscode-button-background': '#000000',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-border': '#6fc3df',
      '--vscode-button-secondaryBackground': '#000000',
      '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-settings-textInputBackground': '#000000',
      '--vscode-settings-textInputForeground': '#ffffff',
      '--vscode-settings-textInputBorder': '#6fc3df',
      '--vscode-settings-dropdownBackground': '#000000',
      '--vscode-settings-dropdownForeground': '#ffffff',
      '--vscode-settings-dropdownBorder': '#6fc3df',
      '--vscode-settings-dropdownListBorder': '#6fc3df',
      '--vscode-charts-foreground': '#ffffff',
      '--vscode-charts-lines': '#ffffff',
      '--vscode-charts-red': '#f48771',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-yellow': '#ffd700',
      '--vscode-charts-orange': '#ff8c00',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7',
    },
  },
};

/** The page as the extension would render it, with the VS Code API stub and a theme before the bundle. */
function harnessHtml(origin: string, theme: keyof typeof THEMES, initialState: unknown): string {
  const nonce = makeNonce();
  const html = renderPanelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/webview.js`, styleUri: `${origin}/webview.css`, title: 'KV Lens test' });
  const t = THEMES[theme];
  // JSON inside a script: escape "<" so no payload can close the tag.
  const data = JSON.stringify({ vars: t.vars, bodyClass: t.bodyClass, state: initialState ?? null }).replace(/</g, '\\u003c');
  const stub = `<script nonce="${nonce}">
(() => {
  const init = ${data};
  window.__posted = [];
  window.__csp = [];
  window.__state = init.state === null ? undefined : init.state;
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  for (const [k, v] of Object.entries(init.vars)) document.documentElement.style.setProperty(k, v);
  document.body.classList.add(init.bodyClass);
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => window.__state,
      setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
    };
  };
})();
</script>
`;
  return html.replace(`<script nonce="${nonce}" src=`, `${stub}<script nonce="${nonce}" src=`);
}

/** A local server for the bundle and the harness page (?theme=dark|light&state=<key>). */
export class HarnessServer {
  private server: Server | undefined;
  private readonly states = new Map<string, unknown>();
  origin = '';

  constructor(private readonly bundleDir: string) {}

  /** Registers a persisted state to start a page with (the serializer's path after a reload). */
  withState(key: string, state: unknown): string {
    this.states.set(key, state);
    return key;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', this.origin);
      const file = url.pathname === '/webview.js' || url.pathname === '/webview.css' ? url.pathname.slice(1) : undefined;
      if (file) {
        res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' });
        res.end(readFileSync(join(this.bundleDir, file)));
        return;
      }
      if (url.pathname === '/panel.html') {
        const requested = url.searchParams.get('theme');
        const theme = requested === 'light' || requested === 'hc' ? requested : 'dark';
        const stateKey = url.searchParams.get('state');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(harnessHtml(this.origin, theme, stateKey ? this.states.get(stateKey) : undefined));
        return;
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Debian's Chromium, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Builds the bundle, serves the harness on loopback and launches headless Chromium; screenshots go to `shots`. */
export async function startHarness(shots: string): Promise<{ server: HarnessServer; browser: Browser }> {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  mkdirSync(shots, { recursive: true });
  const server = new HarnessServer(await buildBundle());
  await server.start();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return { server, browser };
}

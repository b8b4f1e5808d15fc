/**
 * The panel's HTML shell. Pure (no `vscode` import) so the browser test renders the very same page.
 *
 * The shell carries no data: everything the panel shows arrives later by postMessage, so nothing a
 * config author wrote can ever reach this string.
 */

/** What the shell needs to know about where it runs. */
export interface PanelHtmlOptions {
  /** `webview.cspSource`: the origin local resources are served from. */
  cspSource: string;
  /** A fresh random nonce per render; the only script allowed to run carries it. */
  nonce: string;
  /** `webview.asWebviewUri(dist/webview/webview.js)`, as a string. */
  scriptUri: string;
  /** `webview.asWebviewUri(dist/webview/webview.css)`, as a string. */
  styleUri: string;
  /** Document title for screen readers; escaped here. */
  title?: string;
}

/** A nonce of 32 base-62 characters from a cryptographic source (Web Crypto exists in Node 20 and browsers). */
export function makeNonce(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/**
 * The content security policy: nothing by default; styles and images only from the extension's
 * resources (Lit's constructable stylesheets need no `unsafe-inline`); scripts only by nonce.
 */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The full HTML document for the panel. */
export function renderPanelHtml(options: PanelHtmlOptions): string {
  const { cspSource, nonce, scriptUri, styleUri } = options;
  const title = escapeAttr(options.title ?? 'KV Lens');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(panelCsp(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(styleUri)}">
<title>${title}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading KV Lens…</p></main>
<script nonce="${escapeAttr(nonce)}" src="${escapeAttr(scriptUri)}"></script>
</body>
</html>`;
}

// The panel's HTML shell: a strict CSP (no inline script or style, no remote content) and the
// bundle + stylesheets loaded through asWebviewUri. Only `import type` from 'vscode' so the test
// harness can call this with a stub webview and build the very page VS Code would show.
import type * as vscode from 'vscode';

/** 32 random base64url characters; a fresh nonce per page load (CSP nonces must not repeat). */
function makeNonce(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64url');
}

/** extensionUri + relative path, without vscode.Uri.joinPath (a runtime import). */
function child(base: vscode.Uri, rel: string): vscode.Uri {
  return base.with({ path: base.path.replace(/\/+$/, '') + '/' + rel });
}

/** Attribute-safe text (the URIs come from VS Code, but never trust concatenated markup). */
function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The host must create the panel with `localResourceRoots: [media, dist]` and `enableScripts: true`.
 * Lit (used by @vscode-elements) styles its shadow roots with constructable stylesheets, which CSP
 * does not govern, and KaTeX is rendered with katex.render (CSSOM styles, no style attributes), so
 * 'unsafe-inline' is not needed (test/webview/csp.test.ts checks that no violation fires).
 * `language` is VS Code's display language (vscode.env.language): the panel formats dates and numbers
 * for it.
 */
export function getPanelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, language = 'en'): string {
  const nonce = makeNonce();
  const src = (rel: string) => attr(webview.asWebviewUri(child(extensionUri, rel)).toString());
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="${attr(language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${src('dist/katex/katex.min.css')}">
<link rel="stylesheet" nonce="${nonce}" href="${src('media/panel.css')}">
<title>ReLU Lens</title>
</head>
<body>
<div id="root" data-testid="panel-root"></div>
<script nonce="${nonce}" src="${src('dist/webview.js')}"></script>
</body>
</html>
`;
}

// The panel's bundle. Issue 5 builds the verdict card, neuron table and plots here; until then it
// renders the certificate JSON it is sent as text (never as HTML: model strings are untrusted).
declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

const root = document.getElementById('root');
window.addEventListener('message', (ev: MessageEvent) => {
  if (root) root.textContent = JSON.stringify(ev.data, null, 2);
});
if (typeof acquireVsCodeApi === 'function') acquireVsCodeApi().postMessage({ kind: 'ready' });

// The one way the panel builds DOM. Strings always become text nodes: model and data files are
// untrusted (names, paths, warnings), so nothing here parses markup. Event handlers are attached as
// listeners, and neither `on*` nor `style` attributes can be set (the CSP forbids inline ones anyway).

export type Child = Node | string | number | null | undefined | false | Child[];
export type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;

function append(parent: Node, c: Child): void {
  if (c === null || c === undefined || c === false) return;
  if (Array.isArray(c)) for (const x of c) append(parent, x);
  else if (typeof c === 'string' || typeof c === 'number') parent.appendChild(document.createTextNode(String(c)));
  else parent.appendChild(c);
}

/**
 * h('div', { class: 'card', testid: 'verdict', onclick: fn }, 'text', child…)
 * `testid` is shorthand for data-testid; boolean true sets an empty attribute, false/null omit it.
 */
export function el(tag: string, attrs?: Attrs | null, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') {
      if (!k.startsWith('on')) throw new Error(`handler for non-event attribute ${k}`);
      e.addEventListener(k.slice(2), v);
      continue;
    }
    const name = k === 'testid' ? 'data-testid' : k;
    if (/^on/i.test(name) || name.toLowerCase() === 'style') throw new Error(`refusing attribute ${name}`);
    e.setAttribute(name, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

export function text(s: string): Text {
  return document.createTextNode(s);
}

/** A titled section; `testid` goes on the section element. */
export function section(title: string, testid: string | null, ...children: Child[]): HTMLElement {
  return el('section', { class: 'card', testid }, el('h2', null, title), ...children);
}

/** A two-column definition list from [term, value, hint?] rows; null rows are skipped. */
export function defs(rows: ([Child, Child, string?] | null)[], testid?: string): HTMLElement {
  const dl = el('dl', { class: 'numbers', testid });
  for (const r of rows) {
    if (!r) continue;
    const [term, value, hint] = r;
    dl.appendChild(el('dt', { title: hint }, term));
    dl.appendChild(el('dd', null, value));
  }
  return dl;
}

export function button(label: string, opts: { testid?: string; secondary?: boolean; disabled?: boolean; title?: string; onclick: () => void }): HTMLElement {
  // a disabled vscode-button still receives real clicks (only its keyboard path checks), so check here
  const b: HTMLElement = el(
    'vscode-button',
    {
      testid: opts.testid,
      secondary: opts.secondary,
      disabled: opts.disabled,
      title: opts.title,
      onclick: () => {
        if (!b.hasAttribute('disabled')) opts.onclick();
      },
    },
    label,
  );
  return b;
}

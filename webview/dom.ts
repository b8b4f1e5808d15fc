/**
 * Tiny DOM builders. Text only ever goes in through `textContent` / attribute setters, never
 * `innerHTML`: config strings come from strangers and must stay text.
 */

/** Attribute values; `false` / `undefined` leave the attribute out. */
export type Attrs = Record<string, string | number | boolean | undefined>;
/** Children: nodes, or strings that become text nodes. */
export type Child = Node | string | null | undefined | false;

function apply(el: Element, attrs: Attrs | undefined, children: Child[]): void {
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === false) continue;
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** An HTML element. `class` and `aria-*` are plain attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  apply(el, attrs, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element. Colours come from CSS classes (theme variables), never inline style attributes (CSP). */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs, children);
  return el;
}

/** An SVG <title> child: the tooltip and accessible name of a shape. */
export function tip(text: string): SVGTitleElement {
  return s('title', undefined, text);
}

/** Replaces all children of `el`. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  apply(el, undefined, children);
}

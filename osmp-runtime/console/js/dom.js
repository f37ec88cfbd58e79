// Building the page: elements whose text is always inserted as text, never parsed as HTML.

let lastId = 0;

/** A fresh id for an element (labels and help texts point at their control by id). */
export function uniqueId(prefix = 'id') {
  lastId += 1;
  return `${prefix}-${lastId}`;
}

/** Properties set on the element itself rather than as attributes. */
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'hidden', 'open', 'indeterminate']);

/**
 * An element: `h('button', {class: 'run', onclick: run}, 'Run')`. Children are nodes or
 * text (strings and numbers become text nodes); `null`, `undefined` and `false` are skipped.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) element[key] = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** Appends nodes and text to `parent`. */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/** Replaces the children of `parent` (arguments as for `append`). */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** The element with this id. */
export function byId(id) {
  return document.getElementById(id);
}

/** JSON as people read it. */
export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** A time of day with milliseconds, as the timeline and the runs show it. */
export function clock(date = new Date()) {
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

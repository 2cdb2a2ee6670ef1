// Small helpers shared by the live session modules: the page's JSON data blocks,
// translated strings, ids, element creation, storage that never throws.

/** The parsed content of a `<script type="application/json" id=...>` block. */
export function readJson(id) {
  const el = document.getElementById(id);
  if (!el) return null;
  try {
    return JSON.parse(el.textContent);
  } catch {
    return null;
  }
}

/** A lookup of the translated strings the template put in a JSON block: `t("key",
 * {n: 3})` replaces `{n}` in the string. The strings themselves live in the template. */
export function translator(strings) {
  const dict = strings || {};
  return (key, params) => {
    let s = dict[key] ?? key;
    if (params) {
      for (const [name, value] of Object.entries(params)) s = s.split(`{${name}}`).join(String(value));
    }
    return s;
  };
}

/** An operation id: a UUID where the browser offers one (secure contexts), else 128
 * random bits in hex (the page may be served over plain HTTP on a closed network). */
export function newId() {
  if (globalThis.crypto?.randomUUID) {
    try {
      return crypto.randomUUID();
    } catch { /* not a secure context */ }
  }
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `h("button", {class: "x", dataset: {a: 1}, onclick: f}, "text", child)` */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

/** Page-relative coordinates go over the wire with 4 decimals (a tenth of a pixel
 * on a 1600-pixel page), inside the range the protocol accepts. */
export const unit = (v) => Math.round(clamp(v, -0.5, 1.5) * 10000) / 10000;

export const storage = {
  get(kind, key) {
    try {
      const raw = window[kind].getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch {
      return null;
    }
  },
  set(kind, key, value) {
    try {
      if (value === null) window[kind].removeItem(key);
      else window[kind].setItem(key, JSON.stringify(value));
      return true;
    } catch {
      return false; // full, or storage is disabled
    }
  },
};

/** Calls `fn` at most once per `ms`, and once more at the end of a burst. */
export function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  return (...args) => {
    const wait = last + ms - Date.now();
    clearTimeout(timer);
    if (wait <= 0) {
      last = Date.now();
      fn(...args);
    } else {
      timer = setTimeout(() => {
        last = Date.now();
        fn(...args);
      }, wait);
    }
  };
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

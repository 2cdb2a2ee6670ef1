// Page images in flight. A link or form that leaves the page while some are loading
// waits for them (a moment, at most), so that no request is cut off half-way: a
// confidential page that was asked for is then also fully shown and recorded.

const pending = new Set();
let waiters = [];
let leaving = false;

function settle() {
  if (pending.size) return;
  const ready = waiters;
  waiters = [];
  for (const resolve of ready) resolve();
}

/** Call after setting an image's src. */
export function track(img) {
  if (img.complete) return img;
  pending.add(img);
  const done = () => {
    if (!img.complete) return; // an earlier src was replaced; the new one is still coming
    pending.delete(img);
    img.removeEventListener("load", done);
    img.removeEventListener("error", done);
    settle();
  };
  img.addEventListener("load", done);
  img.addEventListener("error", done);
  return img;
}

/** True once the page is being left: start no new loads. */
export function isLeaving() {
  return leaving;
}

// If the page is still here a while after that (a download, a cancelled
// navigation), it was not left after all.
let staying = null;
function leave() {
  leaving = true;
  clearTimeout(staying);
  staying = setTimeout(() => {
    leaving = false;
  }, 4000);
}

function idle(limit) {
  if (!pending.size) return Promise.resolve();
  return new Promise((resolve) => {
    waiters.push(resolve);
    setTimeout(resolve, limit);
  });
}

const MAX_WAIT = 2000;

// Any other way of leaving (the address bar, a reload, a script): no new loads from
// the moment the browser says so.
window.addEventListener("beforeunload", leave);
window.addEventListener("pageshow", () => {
  leaving = false; // back from the history cache
});

document.addEventListener("click", (e) => {
  const a = e.target.closest?.("a[href]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if ((a.target && a.target !== "_self") || a.hasAttribute("download")) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || (url.pathname === location.pathname && url.hash)) return;
  leave();
  if (!pending.size) return;
  e.preventDefault();
  idle(MAX_WAIT).then(() => location.assign(url.href));
});

document.addEventListener("submit", (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || e.defaultPrevented || form.dataset.leaving) return;
  leave();
  if (!pending.size) return;
  e.preventDefault();
  const submitter = e.submitter;
  idle(MAX_WAIT).then(() => {
    form.dataset.leaving = "1";
    if (submitter) form.requestSubmit(submitter);
    else form.requestSubmit();
  });
});

// Small progressive enhancements; every page works without this script.
import "./documents.js";

// Ask before destructive form posts (forms carry their question in data-confirm).
// data-confirm-before: ask only until then (an ISO time: starting a meeting early);
// data-confirm-field: tell the server it was asked, so that it does not ask again.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
  const before = Date.parse(form.dataset.confirmBefore ?? "");
  if (!Number.isNaN(before) && Date.now() >= before) return;
  if (!window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  const field = form.dataset.confirmField;
  if (field && !form.elements.namedItem(field)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = field;
    input.value = "1";
    form.append(input);
  }
});

// Copy a join link to the clipboard.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  const text = button.dataset.copy;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const input = button.parentElement.querySelector("input.link");
    if (input) { input.select(); document.execCommand("copy"); }
  }
  const label = button.textContent;
  button.textContent = "✓";
  setTimeout(() => { button.textContent = label; }, 1200);
});

// The top bar becomes a menu (a button that opens it) where it does not fit on one line.
const bar = document.querySelector(".topbar");
const toggle = bar?.querySelector(".menu-toggle");
const menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
if (bar && toggle && menu) {
  const narrow = window.matchMedia("(max-width: 48rem)");  // collapsed by app.css already
  const setOpen = (open) => {
    menu.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  const fit = () => {
    let fits = false;
    if (!narrow.matches) {
      bar.classList.remove("collapsed");
      bar.classList.add("measuring");
      fits = bar.scrollWidth <= bar.clientWidth;
      bar.classList.remove("measuring");
    }
    bar.classList.toggle("collapsed", !fits);
    if (fits) setOpen(false);
  };
  toggle.addEventListener("click", () => setOpen(!menu.classList.contains("open")));
  bar.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.classList.contains("open")) {
      setOpen(false);
      toggle.focus();
    }
  });
  let pending = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(fit);
  });
  fit();
}

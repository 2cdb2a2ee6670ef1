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

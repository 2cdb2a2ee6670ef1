// Small progressive enhancements; every page works without this script.
import "./documents.js";

// Ask before destructive form posts (forms carry their question in data-confirm).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
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

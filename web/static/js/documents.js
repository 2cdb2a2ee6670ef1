// Uploads with progress bars (upload, then processing), and live status of documents
// still being processed. Without this script the forms still work, one page load each.

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const text = (key) => document.body.dataset[key] ?? "";

function row(list, name) {
  const li = document.createElement("li");
  li.className = "upload-row";
  const label = document.createElement("span");
  label.className = "upload-name";
  label.textContent = name;
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  const state = document.createElement("span");
  state.className = "upload-state";
  li.append(label, bar, state);
  list.append(li);
  return { li, bar, state };
}

function send(url, form, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRF-Token", csrf());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener("error", () => resolve({ status: 0, body: null }));
    xhr.send(form);
  });
}

async function follow(id, onUpdate) {
  // Poll until the document is ready or rejected.
  for (;;) {
    const resp = await fetch(`/api/documents/${id}`, { headers: { Accept: "application/json" } });
    if (!resp.ok) return null;
    const doc = await resp.json();
    onUpdate(doc);
    if (doc.status !== "processing") return doc;
    await new Promise((r) => setTimeout(r, 700));
  }
}

async function upload(form) {
  const files = [...form.querySelector('input[type="file"]').files];
  const list = form.querySelector(".upload-progress");
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  const url = `/api/meetings/${form.dataset.meeting}/documents`;
  const jobs = files.map(async (file) => {
    const ui = row(list, file.name);
    const data = new FormData();
    for (const name of ["agenda_item_id", "classification"]) {
      const value = form.elements[name]?.value;
      if (value) data.append(name, value);
    }
    if (form.elements.allow_download?.checked) data.append("allow_download", "1");
    data.append("file", file, file.name);
    ui.state.textContent = text("msgUploading");
    const { status, body } = await send(url, data, (f) => { ui.bar.value = Math.round(f * 100); });
    if (status !== 202) {
      ui.li.classList.add("failed");
      ui.state.textContent = body?.error?.message ?? text("msgUploadFailed");
      return false;
    }
    ui.bar.value = 0;
    ui.state.textContent = text("msgProcessing");
    const doc = await follow(body.id, (d) => {
      ui.bar.max = Math.max(d.pages, 1);
      ui.bar.value = d.pages_done;
      if (d.status === "processing" && d.pages) ui.state.textContent = `${text("msgProcessing")} ${d.pages_done}/${d.pages}`;
    });
    if (doc?.status === "rejected") {
      ui.li.classList.add("failed");
      ui.state.textContent = doc.reason;
      return false;
    }
    ui.bar.value = ui.bar.max;
    ui.state.textContent = text("msgReady");
    return true;
  });
  const results = await Promise.all(jobs);
  button.disabled = false;
  if (results.every(Boolean)) window.location.reload();
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("upload")) return;
  if (!window.XMLHttpRequest || !window.FormData) return;
  event.preventDefault();
  upload(form);
});

// Documents shown as processing update themselves, and the page reloads once they are done.
for (const el of document.querySelectorAll('[data-document][data-status="processing"]')) {
  const bar = el.querySelector("progress");
  const label = el.querySelector(".status-text");
  follow(el.dataset.document, (d) => {
    if (bar) { bar.max = Math.max(d.pages, 1); bar.value = d.pages_done; }
    if (label && d.pages) label.textContent = `${text("msgProcessing")} ${d.pages_done}/${d.pages}`;
  }).then((d) => { if (d && d.status !== "processing") window.location.reload(); });
}

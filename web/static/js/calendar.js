// Booking from the calendar: click a free slot (or drag across several, mouse, pen or
// touch; Enter/Space on a focused slot) to open a small dialog that books the meeting
// through the JSON API. The grid itself is rendered by the server.

const root = document.querySelector(".calendar");
const dialog = document.getElementById("book-dialog");
const form = document.getElementById("book-form");
const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

// Wall-clock "YYYY-MM-DDTHH:MM" in an IANA zone -> UTC ISO string. The browser's own
// zone plays no part: the page's zone (the viewer's setting) does.
function offsetAt(utcMs, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(utcMs));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - utcMs;
}

export function localToUtc(local, zone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let guess = wall - offsetAt(wall, zone);
  guess = wall - offsetAt(guess, zone); // again, in case the offset changes in between
  return new Date(guess).toISOString();
}

// -- choosing slots ------------------------------------------------------------

let drag = null; // {lane: the slots' container, from: slot, to: slot, pointerId}

const slotsOf = (lane) => [...lane.querySelectorAll(":scope > .slot")];

function range(lane, a, b) {
  const slots = slotsOf(lane);
  const [i, j] = [slots.indexOf(a), slots.indexOf(b)].sort((x, y) => x - y);
  return slots.slice(i, j + 1).filter((s) => s.classList.contains("free") || s.classList.contains("busy"));
}

function mark(lane, from, to) {
  for (const s of lane.querySelectorAll(".slot.selected")) s.classList.remove("selected");
  for (const s of range(lane, from, to)) s.classList.add("selected");
}

function clearMarks() {
  for (const s of document.querySelectorAll(".slot.selected")) s.classList.remove("selected");
}

function slotAt(x, y, lane) {
  const el = document.elementFromPoint(x, y);
  const slot = el?.closest?.(".slot");
  return slot && slot.parentElement === lane && slot.classList.contains("free") ? slot : null;
}

if (root && dialog && form) {
  root.addEventListener("pointerdown", (event) => {
    const slot = event.target.closest(".slot.free");
    if (!slot || event.button > 0) return;
    event.preventDefault(); // no text selection, no focus scroll while dragging
    drag = { lane: slot.parentElement, from: slot, to: slot, pointerId: event.pointerId };
    mark(drag.lane, slot, slot);
  });
  document.addEventListener("pointermove", (event) => {
    if (!drag || event.pointerId !== drag.pointerId) return;
    const slot = slotAt(event.clientX, event.clientY, drag.lane);
    if (slot && slot !== drag.to) {
      drag.to = slot;
      mark(drag.lane, drag.from, drag.to);
    }
  });
  document.addEventListener("pointerup", (event) => {
    if (!drag || event.pointerId !== drag.pointerId) return;
    const { lane, from, to } = drag;
    drag = null;
    const chosen = range(lane, from, to);
    open(chosen[0], chosen[chosen.length - 1]);
  });
  document.addEventListener("pointercancel", () => { drag = null; clearMarks(); });
  // Keyboard: a slot is a button; Enter or Space "clicks" it (detail 0: no pointer).
  root.addEventListener("click", (event) => {
    const slot = event.target.closest(".slot.free");
    if (slot && event.detail === 0) {
      mark(slot.parentElement, slot, slot);
      open(slot, slot);
    }
  });

  form.querySelector("button.cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", clearMarks);
  form.addEventListener("input", updateMoreLink);
  form.addEventListener("submit", (event) => { event.preventDefault(); book(); });
}

function field(name) { return form.elements.namedItem(name); }

function showError(text) {
  const box = form.querySelector(".error");
  box.textContent = text;
  box.hidden = !text;
}

function open(first, last) {
  showError("");
  field("starts_at").value = first.dataset.localStart;
  field("ends_at").value = last.dataset.localEnd;
  field("room_id").value = first.dataset.room;
  updateMoreLink();
  if (!dialog.open) dialog.showModal();
  field("title").focus();
}

function updateMoreLink() {
  const params = new URLSearchParams();
  for (const name of ["title", "starts_at", "ends_at", "room_id"]) {
    if (field(name).value) params.set(name, field(name).value);
  }
  form.querySelector("a.more").href = `/meetings/new?${params}`;
}

async function book() {
  const zone = root.dataset.zone;
  const title = field("title").value.trim();
  if (!title) { showError(root.dataset.msgTitleRequired); field("title").focus(); return; }
  const body = {
    title,
    starts_at: localToUtc(field("starts_at").value, zone),
    ends_at: localToUtc(field("ends_at").value, zone),
    room_id: field("room_id").value || null,
  };
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    const resp = await fetch("/api/meetings", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    });
    if (resp.ok) {
      const meeting = await resp.json();
      const url = new URL(window.location.href);
      url.searchParams.set("booked", meeting.id);
      window.location.assign(url.toString()); // the server draws the new block
      return;
    }
    // The server's message, in the page's language: e.g. 409 room_taken naming the
    // meeting that holds the room. What was typed stays in the dialog.
    const problem = await resp.json().catch(() => null);
    showError(problem?.error?.message ?? root.dataset.msgFailed);
  } catch {
    showError(root.dataset.msgFailed);
  } finally {
    submit.disabled = false;
  }
}

// What the secretary typed and the server has not confirmed yet, per agenda item, kept
// in localStorage (per meeting) until a save is acknowledged: a dropped connection, a
// closed tab or a reload loses nothing, and what is kept is sent again when the page
// can (the next load, the socket's next welcome, the browser back online).

import { storage } from "../live/util.js";

const key = (meetingId) => `meetroom.notes.${meetingId}`;

export class Drafts {
  constructor(meetingId) {
    this.key = key(meetingId);
  }

  /** itemId -> {base, notes, conclusion}: `base` the revision they were typed over. */
  all() {
    const kept = storage.get("localStorage", this.key);
    return kept && typeof kept === "object" ? kept : {};
  }

  get(itemId) {
    return this.all()[itemId] ?? null;
  }

  put(itemId, draft) {
    const kept = this.all();
    kept[itemId] = { base: draft.base, notes: draft.notes, conclusion: draft.conclusion };
    storage.set("localStorage", this.key, kept);
  }

  drop(itemId) {
    const kept = this.all();
    if (!(itemId in kept)) return;
    delete kept[itemId];
    storage.set("localStorage", this.key, Object.keys(kept).length ? kept : null);
  }
}

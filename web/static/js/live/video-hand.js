// A hand raised in the video is a request to speak in the floor's queue (see
// meetroom/protocol/floor.py): one list for the room and the remote participants, in
// the chair's order. The hand button asks (`floor_ask`, with the person's answer to
// "may MeetRoom open your microphone when you get the floor?") and withdraws; the
// tiles' badges are places in that queue.
//
// The microphone follows the floor: the speaker's devices are told `floor_mic`. In the
// video, "open" turns the microphone on (they consented), "ask" asks them to unmute,
// "close" turns it off when their speech ends. The chair's own microphone is never
// touched; outside the video nothing happens (the floor shows elsewhere).

import { newId, storage } from "./util.js";

const CONSENT_KEY = "meetroom.floor.mic-consent"; // "yes" | "no", for this tab

export class VideoHand {
  /** @param {object} room  the VideoRoom (video.js): its session, texts, microphone */
  constructor(room) {
    this.room = room;
    this.version = -1;
    this.queue = [];
    this.current = null;
    this.known = new Set(); // requests already seen (the chair is told of new ones)
    const q = (sel) => room.view.panel.querySelector(sel);
    this.els = { consent: q(".vid-consent"), remember: q(".vid-consent-remember") };
    q(".vid-consent-yes").addEventListener("click", () => this.consented(true));
    q(".vid-consent-no").addEventListener("click", () => this.consented(false));
  }

  /** The whole floor; an older version arriving late changes nothing. */
  floor(msg) {
    if (typeof msg.version === "number") {
      if (msg.version < this.version) return false;
      this.version = msg.version;
    }
    this.queue = Array.isArray(msg.queue) ? msg.queue : [];
    this.current = msg.current || null;
    const fresh = this.queue.filter((s) => !this.known.has(s.id));
    this.known = new Set(this.queue.map((s) => s.id));
    // The chair hears of a hand raised in the video (the floor's own view lists all).
    if (this.room.isModerator() && msg.action === "asked") {
      const inVideo = new Set(this.room.people.map((p) => p.participant));
      for (const s of fresh) {
        if (s.person !== this.room.session.you() && inVideo.has(s.person)) this.room.toasts.show(this.room.t("hand_raised_by", { name: s.name }));
      }
    }
    return true;
  }

  /** A person's ("p:<id>") place in the queue, 0 when not waiting. */
  position(person) {
    return this.queue.find((s) => s.person === person)?.position ?? 0;
  }

  mine() {
    const you = this.room.session.you();
    return you ? this.queue.find((s) => s.person === you) ?? null : null;
  }

  raised() {
    return Boolean(this.mine());
  }

  /** The hand button: withdraw one's request, or ask (the consent first). */
  toggle() {
    const mine = this.mine();
    if (mine) {
      this.room.send({ type: "floor_withdraw", request_id: mine.id });
      return;
    }
    const kept = storage.get("sessionStorage", CONSENT_KEY);
    if (kept === "yes" || kept === "no") {
      this.ask(kept === "yes");
      return;
    }
    this.els.remember.checked = false;
    this.els.consent.hidden = false;
    this.room.shell.open("video");
    this.els.consent.querySelector(".vid-consent-yes").focus();
  }

  consented(yes) {
    this.els.consent.hidden = true;
    if (this.els.remember.checked) storage.set("sessionStorage", CONSENT_KEY, yes ? "yes" : "no");
    this.ask(yes);
  }

  ask(consent) {
    // A fresh id per request: a resend of this one is the same request, a later hand a new one.
    this.room.send({ type: "floor_ask", client_id: newId(), kind: "ordinary", mic_consent: consent });
  }

  /** Out of the video: the prompt goes. */
  reset() {
    this.els.consent.hidden = true;
  }

  /** `floor_mic`: what the floor does with this person's microphone. */
  mic(action) {
    const { room } = this;
    if (room.phase !== "in" || room.session.me?.role === "chair") return;
    if (action === "open") {
      if (room.noPublish || !room.session.hasGrant("can_publish")) return; // listens only
      room.view.els.ask.hidden = true;
      if (!(room.mic && room.micOn)) room.setMic(true);
      room.toasts.show(room.t("floor_mic_on"));
    } else if (action === "close") {
      room.view.els.ask.hidden = true;
      if (room.mic && room.micOn) {
        room.setMic(false);
        room.toasts.show(room.t("floor_mic_off"));
      }
    } else if (action === "ask") {
      room.askUnmute(room.t("floor_unmute"));
    }
  }
}

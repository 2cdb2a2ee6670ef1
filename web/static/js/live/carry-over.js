// Changing the language reloads the page (the server renders it in the other language).
// What the reload would drop is kept for the next page of this tab (sessionStorage):
// that the video call was on, with which camera and microphone and whether they were
// on, and how the video panel was open. The next page joins again by itself, without
// the check before joining. The live session needs nothing of this: it resumes from its
// own sequence numbers, and a raised hand is a request to speak the server keeps.

import { storage } from "./util.js";
import { deviceErrorKey, openDevices } from "./video-devices.js";

const KEY = "meetroom.carry-over";
const FRESH_MS = 30_000; // kept longer ago than this, it was not for this load

/** Keeps `collect()` when a language button is pressed (the form then reloads the page). */
export function keepOnLanguageChange(meetingId, collect) {
  for (const form of document.querySelectorAll("form.langswitch")) {
    form.addEventListener("submit", () => {
      storage.set("sessionStorage", KEY, { meeting: meetingId, at: Date.now(), ...collect() });
    });
  }
}

/** What the page before this one kept for it, once (null if nothing, or not for now). */
export function takeKept(meetingId) {
  const kept = storage.get("sessionStorage", KEY);
  if (!kept) return null;
  storage.set("sessionStorage", KEY, null);
  const age = Date.now() - Number(kept.at);
  return kept.meeting === meetingId && age >= 0 && age < FRESH_MS ? kept : null;
}

/** What the call of `room` (a VideoRoom) is now, for the page after a reload (null
 * when not in it). */
export function callSnapshot(room) {
  if (room.phase === "out" || room.resuming) return null;
  return {
    mic: Boolean(room.mic), micOn: Boolean(room.mic && room.micOn), cam: Boolean(room.cam),
    micId: room.mic?.getSettings?.().deviceId || room.choice.micId,
    cameraId: room.cam?.getSettings?.().deviceId || room.choice.cameraId,
    audio: room.choice.audio, video: room.choice.video, listenOnly: Boolean(room.noPublish),
  };
}

/** Back into the call as `callSnapshot` left it, without the check before joining: the
 * same devices, muted or not. A device that cannot be opened now is left out (and said
 * so). The room shows "Joining the video…" meanwhile, and joins once its socket is in. */
export async function resumeCall(room, saved) {
  if (!saved || room.phase !== "out") return;
  room.resuming = true;
  room.setPhase("joining");
  const listen = Boolean(saved.listenOnly);
  const got = await openDevices({
    audio: !listen && Boolean(saved.mic), video: !listen && Boolean(saved.cam), micId: saved.micId, cameraId: saved.cameraId,
  });
  room.resuming = false;
  if (room.phase !== "joining") {
    // Cancelled meanwhile.
    got.audio?.stop();
    got.video?.stop();
    return;
  }
  if (got.error) room.toasts.show(room.t(deviceErrorKey(got.error)), "error");
  room.join({
    audio: !listen && (Boolean(saved.audio) || Boolean(got.audio)),
    video: !listen && (Boolean(saved.video) || Boolean(got.video)),
    mic: got.audio, cam: got.video,
    micId: got.audio?.getSettings?.().deviceId || saved.micId || "",
    cameraId: got.video?.getSettings?.().deviceId || saved.cameraId || "",
  }, { micOn: saved.micOn !== false });
}

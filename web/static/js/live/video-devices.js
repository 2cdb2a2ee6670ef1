// Cameras and microphones: the pre-join panel's choice (with a live preview and a
// microphone level meter), what went wrong in words a user understands, and the
// local tracks the video room publishes.

const LEVEL_EVERY = 80; // ms between two readings of the microphone level

/** Whether this page may ask for a camera or microphone at all: browsers offer them
 * only in a secure context (HTTPS, or http://localhost). */
export function devicesAvailable() {
  return Boolean(navigator.mediaDevices?.getUserMedia);
}

/** The translation key of what a getUserMedia / getDisplayMedia failure means. */
export function deviceErrorKey(err) {
  switch (err?.name) {
    case "NotAllowedError":
    case "PermissionDeniedError":
    case "SecurityError":
      return "err_denied";
    case "NotFoundError":
    case "DevicesNotFoundError":
    case "OverconstrainedError":
      return "err_not_found";
    case "NotReadableError":
    case "TrackStartError":
    case "AbortError":
      return "err_busy";
    case "InsecureContext":
      return "err_insecure";
    default:
      return "err_device";
  }
}

/** Measures a stream's audio level (0..1) with an AnalyserNode, and calls `onLevel`. */
export class LevelMeter {
  constructor(onLevel) {
    this.onLevel = onLevel;
    this.ctx = null;
    this.source = null;
    this.analyser = null;
    this.timer = null;
    this.track = null;
  }

  attach(track) {
    if (track === this.track) return;
    this.detach();
    if (!track || !(window.AudioContext || window.webkitAudioContext)) return;
    this.track = track;
    try {
      if (!this.ctx) this.ctx = new (window.AudioContext || window.webkitAudioContext)();
      this.ctx.resume?.().catch(() => {});
      this.source = this.ctx.createMediaStreamSource(new MediaStream([track]));
      this.analyser = this.ctx.createAnalyser();
      this.analyser.fftSize = 512;
      this.source.connect(this.analyser);
    } catch {
      this.detach();
      return;
    }
    const data = new Uint8Array(this.analyser.fftSize);
    this.timer = setInterval(() => {
      if (!this.analyser) return;
      this.analyser.getByteTimeDomainData(data);
      let sum = 0;
      for (const v of data) {
        const x = (v - 128) / 128;
        sum += x * x;
      }
      const rms = Math.sqrt(sum / data.length);
      // A speaking voice is around 0.05-0.2 RMS: spread that over the meter.
      this.onLevel(this.track?.enabled === false ? 0 : Math.min(1, rms * 4));
    }, LEVEL_EVERY);
  }

  detach() {
    clearInterval(this.timer);
    this.timer = null;
    try {
      this.source?.disconnect();
    } catch { /* gone already */ }
    this.source = null;
    this.analyser = null;
    this.track = null;
    this.onLevel(0);
  }

  close() {
    this.detach();
    this.ctx?.close?.().catch(() => {});
    this.ctx = null;
  }
}

/** The devices chosen for the video, kept for next time. */
const PREFS_KEY = "meetroom.video.devices";

export function loadDevicePrefs() {
  try {
    return JSON.parse(localStorage.getItem(PREFS_KEY)) || {};
  } catch {
    return {};
  }
}

export function saveDevicePrefs(prefs) {
  try {
    localStorage.setItem(PREFS_KEY, JSON.stringify(prefs));
  } catch { /* storage disabled */ }
}

const AUDIO = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 } };

const constraint = (kind, id) => {
  const base = kind === "audio" ? AUDIO : VIDEO;
  return id ? { ...base, deviceId: { exact: id } } : base;
};

async function openOne(kind, id) {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraint(kind, id) });
    return stream.getTracks()[0] ?? null;
  } catch (err) {
    // The device chosen last time is gone: any other will do.
    if (id && (err.name === "OverconstrainedError" || err.name === "NotFoundError")) return openOne(kind, null);
    throw err;
  }
}

/** Asks for a microphone and/or camera track; returns {audio, video, error} where a
 * failed half is null with `error` set (a camera in use by another program does not
 * keep the microphone from working). */
export async function openDevices({ audio, video, micId, cameraId }) {
  const out = { audio: null, video: null, error: null };
  if (!audio && !video) return out;
  if (!devicesAvailable()) {
    out.error = { name: "InsecureContext" };
    return out;
  }
  try {
    // Both at once: one permission prompt.
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: audio ? constraint("audio", micId) : false,
      video: video ? constraint("video", cameraId) : false,
    });
    out.audio = stream.getAudioTracks()[0] ?? null;
    out.video = stream.getVideoTracks()[0] ?? null;
    return out;
  } catch (err) {
    out.error = err;
  }
  // Each on its own then: one may work where both together did not.
  for (const kind of ["audio", "video"]) {
    if (!(kind === "audio" ? audio : video)) continue;
    try {
      out[kind] = await openOne(kind, kind === "audio" ? micId : cameraId);
    } catch (err) {
      out.error = err;
    }
  }
  return out;
}

/** One new track of a kind (turning the camera back on, say). */
export async function openTrack(kind, id) {
  if (!devicesAvailable()) throw Object.assign(new Error("insecure"), { name: "InsecureContext" });
  return openOne(kind, id);
}

/** The cameras and microphones the browser lists (labels appear once allowed). */
export async function listDevices() {
  if (!navigator.mediaDevices?.enumerateDevices) return { cameras: [], mics: [] };
  try {
    const all = await navigator.mediaDevices.enumerateDevices();
    return {
      cameras: all.filter((d) => d.kind === "videoinput"),
      mics: all.filter((d) => d.kind === "audioinput"),
    };
  } catch {
    return { cameras: [], mics: [] };
  }
}

// Quality of each tile's media from getStats: resolution, frames per second, bitrate
// and packet loss, and a connection indicator (good / fair / poor) from loss and
// round-trip time. Rates are computed between two samples of the same RTP stream.

const GOOD_LOSS = 0.02;
const FAIR_LOSS = 0.08;
const GOOD_RTT = 0.3; // seconds
const FAIR_RTT = 0.6;

export class StatsSampler {
  constructor() {
    this.prev = new Map(); // stats id -> {at, bytes, lost, packets, frames}
  }

  /** Reads one receiver's or sender's report into
   * {video: {...}, audio: {...}, rtt} where each kind has width, height, fps, kbps,
   * loss (0..1 between the two samples), frames (decoded or encoded), packets. */
  read(report) {
    const out = { video: null, audio: null, rtt: null };
    const remoteLoss = new Map(); // local stream id -> remote-inbound-rtp
    for (const s of report.values()) {
      if (s.type === "remote-inbound-rtp" && s.localId) remoteLoss.set(s.localId, s);
      if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded" && typeof s.currentRoundTripTime === "number") {
        out.rtt = s.currentRoundTripTime;
      }
    }
    for (const s of report.values()) {
      if (s.type !== "inbound-rtp" && s.type !== "outbound-rtp") continue;
      const kind = s.kind || s.mediaType;
      if (kind !== "video" && kind !== "audio") continue;
      const inbound = s.type === "inbound-rtp";
      const bytes = inbound ? s.bytesReceived ?? 0 : s.bytesSent ?? 0;
      const packets = inbound ? s.packetsReceived ?? 0 : s.packetsSent ?? 0;
      let lost = inbound ? s.packetsLost ?? 0 : 0;
      const remote = inbound ? null : remoteLoss.get(s.id);
      if (remote) {
        lost = remote.packetsLost ?? 0;
        if (typeof remote.roundTripTime === "number") out.rtt = remote.roundTripTime;
      }
      const frames = inbound ? s.framesDecoded ?? 0 : s.framesEncoded ?? 0;
      const at = s.timestamp;
      const before = this.prev.get(s.id);
      this.prev.set(s.id, { at, bytes, lost, packets, frames });
      const item = {
        inbound,
        width: s.frameWidth ?? null,
        height: s.frameHeight ?? null,
        fps: typeof s.framesPerSecond === "number" ? Math.round(s.framesPerSecond) : null,
        kbps: null,
        loss: null,
        frames,
        packets,
      };
      if (before && at > before.at) {
        const seconds = (at - before.at) / 1000;
        item.kbps = Math.max(0, Math.round(((bytes - before.bytes) * 8) / seconds / 1000));
        const dLost = Math.max(0, lost - before.lost);
        const dPackets = Math.max(0, packets - before.packets);
        item.loss = dLost + dPackets > 0 ? dLost / (dLost + dPackets) : 0;
        if (item.fps === null && frames >= before.frames) item.fps = Math.round((frames - before.frames) / seconds);
        item.stalled = inbound && dPackets === 0;
      }
      // A sender with the camera off has an outbound stream that sends nothing: keep
      // the one that carries something.
      if (!out[kind] || bytes > (out[kind].bytes ?? 0)) out[kind] = { ...item, bytes };
    }
    return out;
  }

  forget() {
    this.prev.clear();
  }
}

/** "good" | "fair" | "poor" | null (nothing known yet) from one tile's stats. */
export function quality(stats) {
  if (!stats) return null;
  const parts = [stats.video, stats.audio].filter((x) => x && x.loss !== null);
  if (!parts.length && stats.rtt === null) return null;
  if (parts.some((x) => x.stalled)) return "poor";
  const loss = Math.max(0, ...parts.map((x) => x.loss));
  const rtt = stats.rtt ?? 0;
  if (loss <= GOOD_LOSS && rtt <= GOOD_RTT) return "good";
  if (loss <= FAIR_LOSS && rtt <= FAIR_RTT) return "fair";
  return "poor";
}

/** Lines for the overlay, formatted with the page's strings. */
export function describe(stats, t) {
  if (!stats) return [t("stats_none")];
  const lines = [];
  const v = stats.video;
  if (v) {
    if (v.width && v.height) lines.push(`${v.width}×${v.height}`);
    if (v.fps !== null) lines.push(t("stats_fps", { fps: v.fps }));
    if (v.kbps !== null) lines.push(t("stats_video_rate", { kbps: v.kbps }));
  }
  const a = stats.audio;
  if (a && a.kbps !== null) lines.push(t("stats_audio_rate", { kbps: a.kbps }));
  const parts = [v, a].filter((x) => x && x.loss !== null);
  if (parts.length) {
    const loss = Math.max(...parts.map((x) => x.loss));
    lines.push(t("stats_loss", { percent: `${(loss * 100).toFixed(1)} %` }));
  }
  if (stats.rtt !== null) lines.push(t("stats_rtt", { ms: Math.round(stats.rtt * 1000) }));
  return lines.length ? lines : [t("stats_none")];
}

// The pre-join panel: which camera and microphone (or none), a live preview and a
// microphone level meter, and in plain words what is wrong when a device cannot be
// used. On "Join video" the tracks it opened are handed to the room as they are.

import { h } from "./util.js";
import {
  LevelMeter, deviceErrorKey, devicesAvailable, listDevices, loadDevicePrefs, openDevices, saveDevicePrefs,
} from "./video-devices.js";

export class PreJoin {
  /** `onJoin({audio, video, mic, cam, micId, cameraId})`: the chosen tracks (owned by
   * the caller from then on); `onJoin` with neither for listen only. */
  constructor(form, t, onJoin) {
    this.form = form;
    this.t = t;
    this.onJoin = onJoin;
    this.preview = form.querySelector(".vid-preview");
    this.video = form.querySelector(".vid-preview-video");
    this.meterBar = form.querySelector(".vid-meter span");
    this.meter = form.querySelector(".vid-meter");
    this.error = form.querySelector(".vid-error");
    this.cameraSelect = form.querySelector(".vid-camera");
    this.micSelect = form.querySelector(".vid-mic");
    this.useCamera = form.querySelector(".vid-use-camera");
    this.useMic = form.querySelector(".vid-use-mic");
    this.joinButton = form.querySelector(".vid-join");
    this.mic = null;
    this.cam = null;
    this.active = false;
    this.opening = 0; // bumped on every new attempt: late results of older ones are dropped
    this.levels = new LevelMeter((level) => {
      this.meterBar.style.width = `${Math.round(level * 100)}%`;
      this.meter.setAttribute("aria-valuenow", String(Math.round(level * 100)));
    });
    const prefs = loadDevicePrefs();
    this.prefs = { cameraId: prefs.cameraId || "", micId: prefs.micId || "", camera: prefs.camera !== false, mic: prefs.mic !== false };
    this.useCamera.checked = this.prefs.camera;
    this.useMic.checked = this.prefs.mic;

    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.join(false);
    });
    form.querySelector(".vid-listen").addEventListener("click", () => this.join(true));
    this.useCamera.addEventListener("change", () => this.reopen("video"));
    this.useMic.addEventListener("change", () => this.reopen("audio"));
    this.cameraSelect.addEventListener("change", () => this.reopen("video"));
    this.micSelect.addEventListener("change", () => this.reopen("audio"));
    navigator.mediaDevices?.addEventListener?.("devicechange", () => {
      if (this.active) this.fillSelects();
    });
  }

  /** Shows the panel and starts the preview of what is chosen. */
  async open() {
    if (this.active) return;
    this.active = true;
    this.showError(null);
    if (!devicesAvailable()) {
      this.showError("err_insecure");
      this.useCamera.checked = false;
      this.useMic.checked = false;
      this.useCamera.disabled = true;
      this.useMic.disabled = true;
      this.updatePreview();
      this.fillSelects();
      return;
    }
    await this.reopen(null);
  }

  /** Stops the preview; tracks handed over by `join` are not touched. */
  close() {
    this.active = false;
    this.opening += 1;
    this.stopTracks();
    this.levels.detach();
  }

  stopTracks(kind) {
    if (kind !== "video") {
      this.mic?.stop();
      this.mic = null;
    }
    if (kind !== "audio") {
      this.cam?.stop();
      this.cam = null;
    }
    this.updatePreview();
  }

  /** (Re)opens the devices as chosen; `kind` limits it to one of them. */
  async reopen(kind) {
    if (!this.active || !devicesAvailable()) return;
    const attempt = ++this.opening;
    const wantAudio = this.useMic.checked && (kind === null || kind === "audio");
    const wantVideo = this.useCamera.checked && (kind === null || kind === "video");
    this.stopTracks(kind);
    this.showError(null);
    this.joinButton.disabled = true;
    const got = await openDevices({ audio: wantAudio, video: wantVideo, micId: this.micSelect.value || this.prefs.micId, cameraId: this.cameraSelect.value || this.prefs.cameraId });
    if (attempt !== this.opening) {
      got.audio?.stop();
      got.video?.stop();
      return;
    }
    this.joinButton.disabled = false;
    if (got.audio) this.mic = got.audio;
    if (got.video) this.cam = got.video;
    if (got.error && ((wantAudio && !got.audio) || (wantVideo && !got.video))) {
      this.showError(deviceErrorKey(got.error));
      if (wantAudio && !got.audio) this.useMic.checked = false;
      if (wantVideo && !got.video) this.useCamera.checked = false;
    }
    this.updatePreview();
    await this.fillSelects();
  }

  updatePreview() {
    const cam = this.cam;
    this.video.srcObject = cam ? new MediaStream([cam]) : null;
    if (cam) this.video.play().catch(() => {});
    this.preview.dataset.camera = cam ? "on" : "off";
    this.levels.attach(this.mic);
    this.cameraSelect.disabled = !this.useCamera.checked;
    this.micSelect.disabled = !this.useMic.checked;
  }

  async fillSelects() {
    const { cameras, mics } = await listDevices();
    const fill = (select, devices, track, noneKey) => {
      const current = track?.getSettings?.().deviceId || select.value;
      const options = devices.map((d, i) => h("option", { value: d.deviceId }, d.label || this.t("device_n", { n: i + 1 })));
      if (!options.length) options.push(h("option", { value: "" }, this.t(noneKey)));
      select.replaceChildren(...options);
      if (current && devices.some((d) => d.deviceId === current)) select.value = current;
    };
    fill(this.cameraSelect, cameras, this.cam, "camera_none");
    fill(this.micSelect, mics, this.mic, "mic_none");
  }

  showError(key) {
    this.error.hidden = !key;
    this.error.textContent = key ? this.t(key) : "";
  }

  join(listenOnly) {
    const mic = listenOnly ? null : this.mic;
    const cam = listenOnly ? null : this.cam;
    const choice = {
      audio: Boolean(mic), video: Boolean(cam), mic, cam,
      micId: mic?.getSettings?.().deviceId || this.micSelect.value || "",
      cameraId: cam?.getSettings?.().deviceId || this.cameraSelect.value || "",
    };
    if (!listenOnly) {
      saveDevicePrefs({ cameraId: choice.cameraId, micId: choice.micId, camera: this.useCamera.checked, mic: this.useMic.checked });
      this.prefs = { ...this.prefs, cameraId: choice.cameraId, micId: choice.micId };
    }
    // Hand the tracks over: closing must not stop them.
    if (!listenOnly) {
      this.mic = null;
      this.cam = null;
    }
    this.close();
    this.onJoin(choice);
  }
}

// The meeting's lifecycle on the meeting page: a band above the document while it is
// not opened yet (saying where the chair opens it; the chair's own has the button),
// once it ended, or archived; the page turns read-only (live.css hides the drawing
// tools and the chat input under [data-read-only=true]), and the chair's Open / Close /
// Reopen buttons follow the status as it changes (`meeting_status` from the socket).

const TOASTS = { in_progress: "opened", ended: "closed", archived: "archived_now" };

export class LifecycleView {
  /**
   * @param {HTMLElement} root  the page (#live)
   * @param {(key: string) => string} t  translations (#lifecycle-text)
   * @param {{show(text: string): void}} toasts
   * @param {() => boolean} isModerator  the chair and secretary prepare before it opens
   */
  constructor(root, t, toasts, isModerator) {
    this.isModerator = isModerator;
    this.root = root;
    this.t = t;
    this.toasts = toasts;
    this.banner = root.querySelector(".live-lifecycle");
    this.bannerText = root.querySelector(".live-lifecycle-text");
    this.status = "";
  }

  welcome(msg) {
    this.show(msg.status || "", Boolean(msg.read_only), false);
  }

  message(msg) {
    if (msg.type === "meeting_status") this.show(msg.status, Boolean(msg.read_only), true);
  }

  show(status, readOnly, changed) {
    const before = this.status;
    this.status = status;
    this.root.dataset.meetingStatus = status;
    this.root.dataset.readOnly = String(readOnly);
    let text = "";
    if (status === "archived") text = this.t("archived");
    else if (status === "ended") text = this.t("ended");
    else if (status === "scheduled" || status === "draft") text = this.t(this.isModerator() ? "prepare" : "not_open");
    if (this.banner) {
      this.bannerText.textContent = text;
      this.banner.hidden = !text;
    }
    const minutes = this.root.querySelector(".live-minutes");
    if (minutes) minutes.hidden = status !== "ended" && status !== "archived";
    for (const form of this.root.querySelectorAll("form[data-from]")) {
      form.hidden = form.dataset.from !== status;
    }
    if (readOnly) {
      // Back to looking: no tool that would draw stays selected.
      this.root.querySelector('.live-tools button[data-tool="view"]')?.click();
    }
    if (changed && before !== status && TOASTS[status]) this.toasts.show(this.t(TOASTS[status]));
  }

  /** This person may no longer be in the meeting (`text` says why): the band says so,
   * for good, and the page only shows what it had. */
  ended(text) {
    this.root.dataset.ended = "true";
    this.root.dataset.readOnly = "true";
    this.root.querySelector('.live-tools button[data-tool="view"]')?.click();
    for (const form of this.root.querySelectorAll("form[data-from]")) form.hidden = true;
    if (this.banner) {
      this.bannerText.textContent = text;
      this.bannerText.setAttribute("role", "alert");
      this.banner.hidden = false;
    }
  }
}

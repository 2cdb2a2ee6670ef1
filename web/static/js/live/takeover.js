// Taking presenting over: an organiser (the chair, the secretary, an admin) who is not
// the presenter takes over, after confirming it, from the place their own page shows.
// The server stores who presents; every page learns it from `presented`.

export class TakeOver {
  /**
   * @param {HTMLButtonElement} button  the control in the page's bar
   * @param {object} session            the LiveSession
   * @param {Function} t                the page's strings
   * @param {() => object|null} where   where this page is (sent as the presented place)
   */
  constructor(button, session, t, where) {
    this.button = button;
    this.session = session;
    this.t = t;
    this.where = where;
    this.onOffline = null;
    button.addEventListener("click", () => this.take());
  }

  update() {
    const { button, session, t } = this;
    button.hidden = !session.mayTakeOver();
    button.textContent = session.state.presenter ? t("take_over") : t("start_presenting");
  }

  take() {
    const { session, t } = this;
    const name = session.state.presenter_name;
    if (session.state.presenter && !window.confirm(t("take_over_confirm", { name }))) return;
    if (!session.send({ type: "take_over", where: this.where() })) this.onOffline?.();
  }
}

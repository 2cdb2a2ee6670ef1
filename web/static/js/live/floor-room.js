// The floor on the meeting page: the band under the bar for everyone, the delegate's
// request to speak, and the chair's queue in its tab.

import { readJson, translator } from "./util.js";
import { Floor } from "./floor.js";
import { FloorBoard, AskControl } from "./floor-view.js";
import { FloorChair } from "./floor-chair.js";

/** Returns what room.js feeds: the socket's messages, its welcomes, new rights. */
export function mountFloor(root, session, toasts, protocol) {
  const t = translator(readJson("floor-text"));
  const floor = new Floor();
  const board = new FloorBoard(root.querySelector(".floor-board"), floor, t);
  const ask = new AskControl(root.querySelector(".floor-ask"), root.querySelector(".floor-dialog"), floor, session, t);
  const chair = new FloorChair(root.querySelector(".floor-chair"), floor, session, t, toasts, protocol?.speech_seconds);
  const band = root.querySelector(".floor-band");
  const askEl = root.querySelector(".floor-ask");
  const view = root.querySelector(".live-view");
  // Nobody speaks or waits: no band (the document keeps its height), and "Ask to
  // speak" floats over the document's corner; else it sits in the band.
  const place = () => {
    const busy = Boolean(floor.view.current) || (floor.view.queue || []).length > 0;
    band.dataset.busy = String(busy);
    const home = busy || !view ? band : view;
    if (askEl.parentElement !== home) home.append(askEl);
    askEl.classList.toggle("floor-floating", home === view);
  };
  place();
  const update = () => {
    ask.render();
    chair.update();
  };
  return {
    floor,
    board,
    welcome() {
      ask.welcome();
      chair.update();
    },
    update,
    message(msg) {
      if (floor.message(msg)) {
        place();
        return;
      }
      ask.message(msg);
      if (msg.type === "meeting_status") update();
    },
  };
}

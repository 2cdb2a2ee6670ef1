// Drawing annotations on a canvas, and finding the stroke under a point. Everything
// is in page-relative units (0..1 of the page's width and height); widths are a
// fraction of the page's width.

const HIGHLIGHTER_ALPHA = 0.38;

/** Draws strokes (not notes) on `ctx`, whose canvas covers the page exactly. */
export function drawStrokes(ctx, strokes) {
  const { width: w, height: h } = ctx.canvas;
  for (const s of strokes) {
    if (s.kind === "note" || !s.points?.length) continue;
    drawStroke(ctx, s, w, h);
  }
}

export function drawStroke(ctx, s, w, h) {
  const pts = s.points;
  const lineWidth = Math.max(1, s.width * w);
  ctx.save();
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = s.color;
  ctx.fillStyle = s.color;
  ctx.lineWidth = lineWidth;
  if (s.tool === "highlighter") {
    ctx.globalAlpha = HIGHLIGHTER_ALPHA;
    ctx.globalCompositeOperation = "multiply";
    ctx.lineCap = "butt";
  }
  if (s.tool === "line" || s.tool === "arrow") {
    const [x0, y0] = pts[0];
    const [x1, y1] = pts[pts.length - 1];
    ctx.beginPath();
    ctx.moveTo(x0 * w, y0 * h);
    ctx.lineTo(x1 * w, y1 * h);
    ctx.stroke();
    if (s.tool === "arrow") arrowHead(ctx, x0 * w, y0 * h, x1 * w, y1 * h, Math.max(lineWidth * 4, w * 0.024));
  } else if (pts.length === 1) {
    ctx.beginPath();
    ctx.arc(pts[0][0] * w, pts[0][1] * h, lineWidth / 2, 0, Math.PI * 2);
    ctx.fill();
  } else {
    // A smooth path: quadratic curves through the midpoints of the segments.
    ctx.beginPath();
    ctx.moveTo(pts[0][0] * w, pts[0][1] * h);
    for (let i = 1; i < pts.length - 1; i += 1) {
      const mx = ((pts[i][0] + pts[i + 1][0]) / 2) * w;
      const my = ((pts[i][1] + pts[i + 1][1]) / 2) * h;
      ctx.quadraticCurveTo(pts[i][0] * w, pts[i][1] * h, mx, my);
    }
    const last = pts[pts.length - 1];
    ctx.lineTo(last[0] * w, last[1] * h);
    ctx.stroke();
  }
  ctx.restore();
}

/** The head of an arrow ending at (x1, y1): `size` pixels long, at most 60 % of the arrow. */
function arrowHead(ctx, x0, y0, x1, y1, size0) {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  const length = Math.hypot(x1 - x0, y1 - y0);
  const size = Math.min(size0, length * 0.6);
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - size * Math.cos(angle - Math.PI / 7), y1 - size * Math.sin(angle - Math.PI / 7));
  ctx.lineTo(x1 - size * Math.cos(angle + Math.PI / 7), y1 - size * Math.sin(angle + Math.PI / 7));
  ctx.closePath();
  ctx.fill();
}

/** Distance from (px, py) to the segment a-b, all in pixels. */
function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * The topmost stroke within `tolerance` pixels of the page point (u, v), on a page
 * shown `w` by `h` pixels; `strokes` in drawing order. Returns its op id or null.
 */
export function strokeAt(strokes, u, v, w, h, tolerance) {
  const px = u * w;
  const py = v * h;
  for (let i = strokes.length - 1; i >= 0; i -= 1) {
    const s = strokes[i];
    if (s.kind === "note" || !s.points?.length) continue;
    const reach = (s.width * w) / 2 + tolerance;
    let pts = s.points;
    if (s.tool === "line" || s.tool === "arrow") pts = [pts[0], pts[pts.length - 1]];
    if (pts.length === 1) {
      if (Math.hypot(px - pts[0][0] * w, py - pts[0][1] * h) <= reach) return s.op_id;
      continue;
    }
    for (let k = 1; k < pts.length; k += 1) {
      const d = segmentDistance(px, py, pts[k - 1][0] * w, pts[k - 1][1] * h, pts[k][0] * w, pts[k][1] * h);
      if (d <= reach) return s.op_id;
    }
  }
  return null;
}

/**
 * The two ink canvases over a page (`view`, a PageView): `ink` with the stored strokes
 * and the notes, `wet` with the strokes being drawn. Each is redrawn at most once a
 * frame. The tablet and the projector differ only in what they draw:
 *   strokes()   the stored annotations of the page shown ([] when none is shown)
 *   live()      the strokes others are drawing there ([] when none is shown)
 *   notes(list) the notes of `list` as the view shows them (default: as they are)
 *   own()       a stroke of one's own in progress on this page, or null
 * `root.dataset.annotations` says how many annotations are drawn (the tests read it).
 */
export class InkLayers {
  constructor(view, root, { strokes, live, notes = (list) => list.filter((a) => a.kind === "note"), own = () => null }) {
    this.view = view;
    this.root = root;
    this.source = { strokes, live, notes, own };
    this.inkFrame = 0;
    this.wetFrame = 0;
    view.onInkResize = () => this.render();
  }

  render() {
    this.renderInk();
    this.renderWet();
  }

  renderInk() {
    if (this.inkFrame) return;
    this.inkFrame = requestAnimationFrame(() => {
      this.inkFrame = 0;
      const canvas = this.view.ink;
      const ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      const list = this.source.strokes();
      drawStrokes(ctx, list);
      this.view.renderNotes(this.source.notes(list));
      this.root.dataset.annotations = String(list.length);
    });
  }

  renderWet() {
    if (this.wetFrame) return;
    this.wetFrame = requestAnimationFrame(() => {
      this.wetFrame = 0;
      const canvas = this.view.wet;
      const ctx = canvas.getContext("2d");
      const { width: w, height: h } = canvas;
      ctx.clearRect(0, 0, w, h);
      drawStrokes(ctx, this.source.live());
      const s = this.source.own();
      if (s) drawStroke(ctx, s, w, h);
    });
  }
}

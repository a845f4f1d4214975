// Painting a track's spans on its canvas: each segment a rectangle in its kind's colour and pattern (the
// legend's swatches, style.css's `.span-*`, in the same colours and the same stripes), the hairline through
// each bar where no span covers it, in device pixels. One canvas per track, not an element per segment: a
// zoom step of a 10 s, 8-thread run wrote 4,128 span elements, and their style and layout alone took
// 25-31 ms (docs/PERFORMANCE.md). The bars stay elements: the keyboard, the screen reader, the hover ring
// and the status outline are theirs.

/** A stretch of one kind, in ms. */
export interface Segment {
  kind: string;
  startMs: number;
  endMs: number;
}

/** A bar to paint: where it is (CSS px from the track's left), its segments, faded if cancelled. */
export interface PaintBar {
  x0: number;
  x1: number;
  segments: readonly Segment[];
  faded: boolean;
}

/** What was painted in a track: segments per kind and the narrowest of each kind (CSS px). */
export interface Painted {
  count: Map<string, number>;
  narrowest: Map<string, number>;
}

/** The colours style.css gives the kinds (its custom properties, light or dark). */
type Colours = Record<'run' | 'io' | 'gil' | 'msg' | 'start' | 'muted', string>;
const MESSAGE_EDGE = '#7a7000';

/** How each kind is painted: a fill (a colour or a tile), an inset edge, a least width in CSS px. */
interface Look {
  fill: (c: Colours, dpr: number) => string | HTMLCanvasElement;
  edge?: (c: Colours) => string;
  minPx: number;
}

const LOOKS: Record<string, Look> = {
  run: { fill: (c) => c.run, minPx: 1 },
  // Upright stripes, 3 px of the colour and 2 px of it at 45%.
  'run-nogil': { fill: (c, d) => tile(5, d, (x) => (x < 3 ? 1 : 0.45), c.run), edge: (c) => c.run, minPx: 1 },
  // Stripes at 45 degrees (4 px across, 3 px apart), as `repeating-linear-gradient(45deg, …)` draws them.
  'io-wait': { fill: (c, d) => tile(10, d, (x, y) => (mod(x - y, 10) < 5.7 ? 1 : 0), c.io), edge: (c) => c.io, minPx: 1 },
  // Dots 4 px apart on the colour at 22%.
  'loop-wait': { fill: (c, d) => tile(4, d, (x, y) => ((x - 1.5) ** 2 + (y - 1.5) ** 2 <= 1.6 ? 1 : 0.22), c.io), edge: (c) => c.io, minPx: 1 },
  // Thin stripes the other way (2 px across, 3 px apart).
  'gil-wait': { fill: (c, d) => tile(7, d, (x, y) => (mod(x + y, 7) < 2.9 ? 1 : 0), c.gil), minPx: 1 },
  // A start-up or a message lasts a fraction of a millisecond in the lab: a few pixels keep it in sight,
  // painted over the rest (zoom in for its true length).
  message: { fill: (c) => c.msg, edge: () => MESSAGE_EDGE, minPx: 3 },
  start: { fill: (c, d) => tile(4, d, (x) => (x < 2 ? 1 : 0), c.start), edge: (c) => c.start, minPx: 3 },
};
/** The order of painting: the short-lived kinds last, on top. */
const ORDER = ['run', 'run-nogil', 'io-wait', 'loop-wait', 'gil-wait', 'message', 'start'];

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** A `size`-px tile (CSS px; `dpr` device px each) whose pixel (x, y) is `colour` at `alpha(x, y)`. */
function tile(size: number, dpr: number, alpha: (x: number, y: number) => number, colour: string): HTMLCanvasElement {
  const n = Math.max(1, Math.round(size * dpr));
  const c = document.createElement('canvas');
  c.width = c.height = n;
  const g = c.getContext('2d')!;
  g.fillStyle = colour;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const a = alpha((x + 0.5) / dpr, (y + 0.5) / dpr);
      if (a <= 0) continue;
      g.globalAlpha = a;
      g.fillRect(x, y, 1, 1);
    }
  }
  return c;
}

/** The kinds' fills (a colour or a tile), made again when the colours or the pixel ratio change (a theme switch, a zoom of the page). */
let looks: { key: string; byKind: Map<string, string | HTMLCanvasElement> } | undefined;
/** Each context's patterns of those tiles. */
const patterns = new WeakMap<CanvasRenderingContext2D, { key: string; byKind: Map<string, string | CanvasPattern> }>();

function fillsOf(g: CanvasRenderingContext2D, c: Colours, dpr: number): Map<string, string | CanvasPattern> {
  const key = `${dpr} ${Object.values(c).join(' ')}`;
  const had = patterns.get(g);
  if (had?.key === key) return had.byKind;
  if (looks?.key !== key) looks = { key, byKind: new Map(ORDER.map((kind) => [kind, LOOKS[kind].fill(c, dpr)])) };
  const byKind = new Map<string, string | CanvasPattern>();
  for (const [kind, f] of looks.byKind) byKind.set(kind, typeof f === 'string' ? f : (g.createPattern(f, 'repeat') ?? c.run));
  patterns.set(g, { key, byKind });
  return byKind;
}

/** The colours as style.css sets them where `el` is. */
export function coloursAt(el: Element): Colours {
  const s = getComputedStyle(el);
  const v = (name: string, fallback: string) => s.getPropertyValue(name).trim() || fallback;
  return { run: v('--run', '#0072b2'), io: v('--io', '#e69f00'), gil: v('--gil', '#cc79a7'), msg: v('--msg', '#f0e442'), start: v('--start', '#009e73'), muted: v('--muted', '#5c5c66') };
}

/**
 * Paints `bars` on `canvas`, `width` × `height` CSS px, each bar from `top` (CSS px) `barHeight` high;
 * `msToPx` maps an instant to CSS px from the track's left; `plain`: no hairline and no edges (the
 * overview's 4 px lanes). Returns what it painted.
 */
export function paintTrack(canvas: HTMLCanvasElement, width: number, height: number, top: number, barHeight: number, bars: readonly PaintBar[], msToPx: (ms: number) => number, colours: Colours, plain = false): Painted {
  const dpr = Math.max(1, globalThis.devicePixelRatio || 1);
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const g = canvas.getContext('2d')!;
  g.clearRect(0, 0, w, h);
  const painted: Painted = { count: new Map(), narrowest: new Map() };
  if (bars.length === 0) return painted;
  const y0 = Math.round(top * dpr);
  const y1 = Math.max(y0 + 1, Math.round((top + barHeight) * dpr));
  const one = Math.max(1, Math.round(dpr));

  // Rectangles by kind (and faded or not), then one fill per group: a path of many rectangles is one draw.
  const groups = new Map<string, number[]>();
  const push = (key: string, x: number, wd: number) => {
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(x, wd);
  };
  for (const b of bars) {
    const fade = b.faded ? '~' : '';
    const bx0 = Math.round(b.x0 * dpr);
    const bx1 = Math.max(bx0 + one, Math.round(b.x1 * dpr));
    if (!plain) push(`hairline${fade}`, bx0, bx1 - bx0);
    for (const s of b.segments) {
      // A kind with no look has no words in the legend either (./legend.ts): it is left out.
      const look = LOOKS[s.kind];
      if (!look) continue;
      const x0 = msToPx(s.startMs);
      const cssW = Math.max(look.minPx, msToPx(s.endMs) - x0);
      const x = Math.round(x0 * dpr);
      const wd = Math.max(Math.round(look.minPx * dpr), Math.round((x0 + cssW) * dpr) - x);
      push(`${s.kind}${fade}`, x, wd);
      painted.count.set(s.kind, (painted.count.get(s.kind) ?? 0) + 1);
      painted.narrowest.set(s.kind, Math.min(painted.narrowest.get(s.kind) ?? Infinity, wd / dpr));
    }
  }
  const byKind = fillsOf(g, colours, dpr);
  const mid = Math.round((y0 + y1) / 2 - one / 2);
  for (const fade of ['', '~']) {
    g.globalAlpha = fade ? 0.45 : 1;
    const line = groups.get(`hairline${fade}`);
    if (line) {
      g.fillStyle = colours.muted;
      g.beginPath();
      for (let i = 0; i < line.length; i += 2) g.rect(line[i], mid, line[i + 1], one);
      g.fill();
    }
    for (const kind of ORDER) {
      const rects = groups.get(`${kind}${fade}`);
      if (!rects) continue;
      g.fillStyle = byKind.get(kind)!;
      g.beginPath();
      for (let i = 0; i < rects.length; i += 2) g.rect(rects[i], y0, rects[i + 1], y1 - y0);
      g.fill();
      const edge = LOOKS[kind].edge;
      if (!edge || plain) continue;
      // The inset edge of style.css's `box-shadow: inset 0 0 0 1px`: four thin rectangles in each.
      g.fillStyle = edge(colours);
      g.beginPath();
      for (let i = 0; i < rects.length; i += 2) {
        const x = rects[i];
        const wd = rects[i + 1];
        if (wd <= 2 * one) {
          g.rect(x, y0, wd, y1 - y0);
          continue;
        }
        g.rect(x, y0, wd, one);
        g.rect(x, y1 - one, wd, one);
        g.rect(x, y0 + one, one, y1 - y0 - 2 * one);
        g.rect(x + wd - one, y0 + one, one, y1 - y0 - 2 * one);
      }
      g.fill();
    }
  }
  g.globalAlpha = 1;
  return painted;
}

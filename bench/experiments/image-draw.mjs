#!/usr/bin/env node
// Experiment behind docs/PERFORMANCE.md (main-thread frame lag): what drawing one cpu-mandelbrot band
// costs the page's main thread. Times, in the lab's page, the image view's per-pixel loop as written in
// www/src/views/run/image-view.ts (a colour array and a `data.set([...])` per pixel) beside the same picture
// drawn through a palette table and a Uint32Array view of the ImageData. Same pixels, same colours.
//   node bench/experiments/image-draw.mjs
import { launchBrowser, openLab } from '../lib/browser.mjs';
import { startServer } from '../lib/host.mjs';

const server = await startServer();
const browser = await launchBrowser();
const { page } = await openLab(browser, server.url);
const out = await page.evaluate(() => {
  const X0 = -2.1, Y0 = -1.3, SPAN = 2.6;
  const band = (size, max, first, rows) => {
    const data = new Uint32Array(size * rows);
    const scale = SPAN / size;
    for (let r = 0; r < rows; r++) {
      const cy = Y0 + (first + r) * scale;
      for (let px = 0; px < size; px++) {
        let x = 0, y = 0, i = 0;
        const cx = X0 + px * scale;
        for (; i < max; i++) {
          if (x * x + y * y > 4) break;
          const xt = x * x - y * y + cx;
          y = 2 * x * y + cy;
          x = xt;
        }
        data[r * size + px] = i;
      }
    }
    return data;
  };
  const colour = (n, max) => {
    if (n >= max) return [12, 12, 20];
    const t = Math.sqrt(n / max);
    return [Math.round(230 * t + 10), Math.round(120 * t + 40 * (1 - t)), Math.round(178 * (1 - t) + 20)];
  };
  const canvas = document.createElement('canvas');
  const results = {};
  for (const [size, tasks] of [[600, 8], [1600, 8]]) {
    canvas.width = canvas.height = size;
    const ctx = canvas.getContext('2d');
    const rows = size / tasks;
    const data = band(size, 1000, Math.floor(size / 2 - rows / 2), rows); // a middle band
    const asWritten = () => {
      const img = ctx.createImageData(size, rows);
      for (let i = 0; i < data.length; i++) {
        const [r, g, b] = colour(data[i], 1000);
        img.data.set([r, g, b, 255], i * 4);
      }
      ctx.putImageData(img, 0, 0);
    };
    const lut = new Uint32Array(1001);
    for (let n = 0; n <= 1000; n++) {
      const [r, g, b] = colour(n, 1000);
      lut[n] = (255 << 24) | (b << 16) | (g << 8) | r; // little-endian RGBA
    }
    const withTable = () => {
      const img = ctx.createImageData(size, rows);
      const px = new Uint32Array(img.data.buffer);
      for (let i = 0; i < data.length; i++) px[i] = lut[data[i]];
      ctx.putImageData(img, 0, 0);
    };
    const time = (f) => {
      f();
      const xs = [];
      for (let k = 0; k < 7; k++) {
        const t0 = performance.now();
        f();
        xs.push(performance.now() - t0);
      }
      return xs.sort((a, b) => a - b)[3];
    };
    results[`${size}px band of ${rows} rows`] = { asWrittenMs: time(asWritten), paletteTableMs: time(withTable) };
  }
  return results;
});
for (const [k, v] of Object.entries(out)) console.log(`${k}: as written ${v.asWrittenMs.toFixed(1)} ms, with a palette table ${v.paletteTableMs.toFixed(1)} ms (median of 7)`);
await browser.close();
server.close();

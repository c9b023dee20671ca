// record() lasts as long as asked (web/js/page/record.js): a still plot is still time, so a
// 2 s recording of a plot that never moves is a 2 s video, and one with a short glide in it
// too (frames come at the asked fps from a copy of the canvas redrawn on a timer).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, serve } from './helpers.mjs';

let srv, browser;
before(async () => {
  srv = await serve();
  browser = await launch({ viewport: { width: 1280, height: 800 } });
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

/**
 * Records `duration` ms of the story page's second plot (gliding for `glide` ms first).
 * Returns {seconds: the video's length, wall: the seconds record() took}.
 */
async function recordedSeconds(page, duration, glide) {
  const video = await page.evaluate(async ([duration, glide]) => {
    const plot = document.getElementById('own-story').plot;
    const t0 = performance.now();
    const rec = plot.record({ duration });
    if (glide) plot.animateTo({ query: [-1, 0.4] }, { duration: glide });
    const blob = await rec;
    const bytes = Array.from(new Uint8Array(await blob.arrayBuffer()));
    return { wall: (performance.now() - t0) / 1000, type: blob.type, bytes };
  }, [duration, glide]);
  // The story page's CSP (media-src 'self') refuses blob: media; a blank page loads it.
  const blank = await browser.context.newPage();
  const seconds = await blank.evaluate(async ({ type, bytes }) => {
    const v = document.createElement('video');
    v.muted = true;
    v.src = URL.createObjectURL(new Blob([Uint8Array.from(bytes)], { type }));
    await new Promise((resolve, reject) => { v.onloadedmetadata = resolve; v.onerror = () => reject(new Error(`video: ${v.error?.message}`)); });
    if (Number.isFinite(v.duration)) return v.duration;
    v.currentTime = 1e9;   // a WebM without a duration in its header: seek to the end
    await new Promise((resolve) => { v.ondurationchange = resolve; });
    return v.duration;
  }, video);
  await blank.close();
  return { seconds, wall: video.wall };
}

test('record({duration}) gives a video of that length, still or moving', async () => {
  const page = await browser.context.newPage();
  await page.goto(new URL('examples/story.html', srv.url).href);
  await page.waitForFunction(() => document.getElementById('own-story')?.plot?.getWeights(), null, { timeout: 20000 });
  for (const [duration, glide] of [[2000, 0], [2000, 400], [4300, 0]]) {
    const { seconds, wall } = await recordedSeconds(page, duration, glide);
    // At least what was asked (less a frame or two); at most the time it really took (a
    // busy machine's timers run late, and the video keeps the real time).
    assert.ok(seconds >= duration / 1000 - 0.15 && seconds <= wall + 0.1,
      `record({duration: ${duration}})${glide ? ` with a ${glide} ms glide` : ', the plot still'}: a ${seconds.toFixed(2)} s video in ${wall.toFixed(2)} s`);
  }
  await page.close();
});

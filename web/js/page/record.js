// Recording a canvas: a WebM (MediaRecorder over canvas.captureStream) or an animated
// GIF (gifenc). It knows a canvas and a `render()` that brings the canvas up to date
// (the plot draws on the next animation frame; render flushes that frame), nothing of
// attention. The plot handles' record()/toGIF() and the Record buttons use it.
//
// A video takes `fps` frames a second on a timer from a copy of the canvas redrawn each
// time (captureStream(0) + requestFrame: the browser drops a requested frame of a canvas
// that did not change), so a still stretch is still time and a recording lasts as long
// as asked. A GIF samples the canvas at `fps` with the real time between samples as each
// frame's delay.
import { GIFEncoder, quantize, applyPalette } from 'gifenc';

const GIF_MAX_WIDTH = 640;      // GIFs are scaled down to at most this width (CSS pixels otherwise)
const MAX_MS = 60000;           // a capture stops by itself after a minute
const VIDEO_TYPES = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm', 'video/mp4'];

/** True when this browser can record video from a canvas. */
export function canRecordVideo(canvas) {
  return typeof MediaRecorder === 'function' && typeof canvas?.captureStream === 'function' &&
    VIDEO_TYPES.some((t) => MediaRecorder.isTypeSupported(t));
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function checkDuration(fn, duration) {
  if (!(typeof duration === 'number' && duration > 0 && duration <= MAX_MS)) {
    throw new Error(`${fn}: duration ${JSON.stringify(duration)} is not a number of milliseconds in 1…${MAX_MS}; e.g. {duration: 3000}.`);
  }
}

/**
 * Starts recording `canvas` as video. Returns {format: 'webm'|'mp4', type, elapsed(), started,
 * stop()}: started is a Promise settled when the recorder runs, stop() a Promise of the Blob.
 * Throws a sentence when the browser cannot record.
 */
export function startVideo(canvas, { render = () => {}, fps = 30 } = {}) {
  if (!canRecordVideo(canvas)) {
    throw new Error('record: this browser cannot record a canvas as video (no MediaRecorder or canvas.captureStream); use toGIF() instead.');
  }
  const type = VIDEO_TYPES.find((t) => MediaRecorder.isTypeSupported(t));
  // The stream comes from a copy of the canvas, redrawn on every tick: a browser sends a
  // requested frame only when the canvas changed since the last one, so a still plot
  // captured directly gives no frames and the video comes out shorter than asked (a 2 s
  // recording of a still plot lasted 0.5 s). Copying each tick keeps `fps` frames a second
  // coming whatever the plot does. A timer (not animation frames) paces it, so a tab in
  // the background still records, if at the browser's slower timer rate.
  const copy = document.createElement('canvas');
  copy.width = Math.max(1, canvas.width);
  copy.height = Math.max(1, canvas.height);
  const ctx = copy.getContext('2d');
  const draw = () => {
    render();
    ctx.clearRect(0, 0, copy.width, copy.height);
    if (canvas.width > 0 && canvas.height > 0) ctx.drawImage(canvas, 0, 0, copy.width, copy.height);
  };
  draw();
  const stream = copy.captureStream(0);
  const track = /** @type {CanvasCaptureMediaStreamTrack} */ (stream.getVideoTracks()[0]);
  const recorder = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: 4e6 });
  const chunks = [];
  recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
  const done = new Promise((resolve, reject) => {
    recorder.onstop = () => resolve(new Blob(chunks, { type: type.split(';')[0] }));
    recorder.onerror = (e) => reject(new Error(`record: the browser's recorder failed (${
      /** @type {Event & {error?: DOMException}} */ (e).error?.message ?? 'unknown error'}).`));
  });
  const t0 = performance.now();
  let stopped = false;
  const frame = () => { draw(); track.requestFrame?.(); };
  // The recorder starts asynchronously and the video's time begins at its first frame:
  // `started` resolves then, so a timed recording (recordVideo) counts from it.
  const started = new Promise((resolve) => {
    recorder.onstart = () => { frame(); resolve(); };
  });
  recorder.start();
  track.requestFrame?.();
  const timer = setInterval(() => {
    if (stopped) return;
    frame();
    if (performance.now() - t0 >= MAX_MS) stop();
  }, 1000 / fps);
  function stop() {
    if (!stopped) {
      stopped = true;
      clearInterval(timer);
      frame();
      // one more frame so the last picture is in the file (and lasts), then stop
      setTimeout(() => {
        frame();
        if (recorder.state !== 'inactive') recorder.stop();
        track.stop();
      }, 1000 / fps);
    }
    return done;
  }
  return { format: type.includes('mp4') ? 'mp4' : 'webm', type: type.split(';')[0], elapsed: () => performance.now() - t0, started, stop };
}

/**
 * Starts sampling `canvas` for an animated GIF at `fps` (1…50). Returns
 * {format: 'gif', type, elapsed(), stop()}, stop() → a Promise of the GIF Blob.
 */
export function startGIF(canvas, { render = () => {}, fps = 12, maxWidth = GIF_MAX_WIDTH } = {}) {
  if (!(typeof fps === 'number' && fps >= 1 && fps <= 50)) {
    throw new Error(`toGIF: fps ${JSON.stringify(fps)} is not a number in 1…50; e.g. {fps: 12}.`);
  }
  // CSS-pixel size (a HiDPI canvas is scaled down), at most maxWidth wide.
  const cssW = canvas.clientWidth || canvas.width;
  const w = Math.max(1, Math.round(Math.min(cssW, maxWidth, canvas.width)));
  const h = Math.max(1, Math.round(canvas.height * w / canvas.width));
  const scratch = document.createElement('canvas');
  scratch.width = w;
  scratch.height = h;
  const ctx = scratch.getContext('2d', { willReadFrequently: true });
  const frames = [];   // {data: Uint8ClampedArray (w·h·4), t: ms since start}
  const t0 = performance.now();
  const grab = (now) => {
    render();
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(canvas, 0, 0, w, h);
    frames.push({ data: ctx.getImageData(0, 0, w, h).data, t: now - t0 });
  };
  let raf = 0, stopped = false;
  const tick = (now) => {
    if (stopped) return;
    if (now - t0 >= frames.length * 1000 / fps) grab(now);
    if (now - t0 >= MAX_MS) { stop(); return; }
    raf = requestAnimationFrame(tick);
  };
  grab(t0);
  raf = requestAnimationFrame(tick);
  let result = null;
  function stop() {
    if (!result) {
      stopped = true;
      cancelAnimationFrame(raf);
      const end = performance.now();
      if (end - t0 > frames.at(-1).t + 5) grab(end);
      result = encodeGIF(frames, w, h, end - t0);
    }
    return result;
  }
  return { format: 'gif', type: 'image/gif', elapsed: () => performance.now() - t0, stop };
}

// Each frame gets its own palette (the plot has few colours; a shared one would blur them)
// and shows until the next frame was taken. Yields between frames to keep the page alive.
async function encodeGIF(frames, w, h, total) {
  const gif = GIFEncoder();
  for (let i = 0; i < frames.length; i++) {
    const { data, t } = frames[i];
    const next = i + 1 < frames.length ? frames[i + 1].t : Math.max(total, t + 100);
    const palette = quantize(data, 256);
    const index = applyPalette(data, palette);
    gif.writeFrame(index, w, h, { palette, delay: Math.max(20, Math.round(next - t)), repeat: 0 });
    if (i % 4 === 3) await wait(0);
  }
  gif.finish();
  return new Blob([gif.bytes()], { type: 'image/gif' });
}

/** Records `duration` ms of `canvas` as video: a Promise of a WebM (or MP4) Blob. */
export async function recordVideo(canvas, render, { duration = 3000, fps = 30 } = {}) {
  checkDuration('record', duration);
  const cap = startVideo(canvas, { render, fps });
  await Promise.race([cap.started, wait(1000)]);
  await wait(duration);
  return cap.stop();
}

/** Records `duration` ms of `canvas` as an animated GIF at `fps`: a Promise of a GIF Blob. */
export async function recordGIF(canvas, render, { duration = 3000, fps = 12 } = {}) {
  checkDuration('toGIF', duration);
  const cap = startGIF(canvas, { render, fps });
  await wait(duration);
  return cap.stop();
}

/** Saves a Blob as a file (a temporary link, clicked). */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * Makes `button` a Record / Stop toggle for `canvas`: while recording it reads
 * "● Recording 3 s… Stop"; Stop saves `${name}.webm` (a GIF where the browser cannot
 * record video) and says so in `status` (a live region). Returns {stop(), get recording}.
 */
export function bindRecordButton(button, { canvas, render = () => {}, status = null, name = 'attention-plot' }) {
  const idle = button.textContent || 'Record';
  let cap = null, timer = 0;
  const say = (text) => { if (status) status.textContent = text; };
  const label = () => {
    const s = Math.floor(cap.elapsed() / 1000);
    button.textContent = `● Recording ${s} s… Stop`;
    if (cap.elapsed() >= MAX_MS) finish();
  };
  async function finish() {
    if (!cap) return;
    const c = cap;
    cap = null;
    clearInterval(timer);
    button.textContent = idle;
    button.setAttribute('aria-pressed', 'false');
    button.classList.remove('is-recording');
    button.disabled = true;
    const seconds = (c.elapsed() / 1000).toFixed(1);
    say(c.format === 'gif' ? 'Making the GIF…' : 'Saving the recording…');
    try {
      const blob = await c.stop();
      const file = `${name}.${c.format}`;
      download(blob, file);
      say(`Recording saved: ${file} (${seconds} s, ${Math.max(1, Math.round(blob.size / 1024))} kB).`);
    } catch (e) {
      say(e.message);
    } finally {
      button.disabled = false;
    }
  }
  button.setAttribute('aria-pressed', 'false');
  button.addEventListener('click', () => {
    if (cap) { finish(); return; }
    try {
      cap = canRecordVideo(canvas) ? startVideo(canvas, { render }) : startGIF(canvas, { render });
    } catch (e) {
      say(e.message);
      return;
    }
    button.setAttribute('aria-pressed', 'true');
    button.classList.add('is-recording');
    say('Recording the plot: drag, type or scroll, then press Stop.');
    label();
    timer = setInterval(label, 250);
  });
  return { stop: finish, get recording() { return !!cap; } };
}

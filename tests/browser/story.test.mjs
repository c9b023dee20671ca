// <attention-story> (web/js/page/story.js) on web/examples/story.html, over http and from
// file://, under the page's strict CSP: scrolling drives each story's plot to its
// step's state; the tour story tells TOUR exactly; animateTo glides and lands; record()
// makes a video a <video> can load and toGIF() a GIF of several frames; reduced motion
// jumps; the keyboard moves between steps and the live region names them; bad states
// show as notices; the Record buttons record and download.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, serve, webRoot } from './helpers.mjs';
import { TOUR } from '../../web/js/state/tour-steps.js';
import { PLAYGROUND } from '../../web/js/state/schema.js';
import { coerce, parseHash } from '../../web/js/state/codec.js';

const pageFile = path.join(webRoot, 'examples', 'story.html');
let srv, browser;

before(async () => {
  srv = await serve();
  browser = await launch({ viewport: { width: 1280, height: 800 } });
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

function watch(p) {
  const list = [];
  p.on('console', (msg) => { if (msg.type() === 'error') list.push(`console error: ${msg.text()}`); });
  p.on('pageerror', (err) => list.push(`pageerror: ${err.message}`));
  p.on('requestfailed', (req) => list.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`));
  p.on('response', (res) => { if (res.status() >= 400) list.push(`http ${res.status()}: ${res.url()}`); });
  return list;
}

async function openStory(context, url) {
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(url);
  await page.waitForFunction(() => ['tour-story', 'own-story'].every((id) => {
    const s = document.getElementById(id);
    return s && s.step >= 0 && s.plot?.getWeights();
  }), null, { timeout: 20000 });
  return { page, problems };
}

const storyUrl = () => new URL('examples/story.html', srv.url).href;

/** The fields a step's data-attention-state sets, as the codec reads them. */
async function stepsOf(page, id) {
  const texts = await page.$$eval(`#${id} > [data-attention-state]`, (els) => els.map((e) => e.dataset.attentionState));
  return texts.map((t) => {
    const { given, notices } = parseHash(PLAYGROUND, t);
    assert.deepEqual(notices, [], `${id}: "${t}" reads without notices`);
    return given;
  });
}

/** Scrolls step i of a story to the middle of the viewport and waits for the plot to show its fields. */
async function scrollToStep(page, id, i, given) {
  await page.evaluate(([id, i]) => document.querySelectorAll(`#${id} > [data-attention-state]`)[i].scrollIntoView({ block: 'center' }), [id, i]);
  await page.waitForFunction(([id, i, given]) => {
    const s = document.getElementById(id);
    const st = s.plot.getState();
    return s.step === i && Object.entries(given).every(([k, v]) => JSON.stringify(st[k]) === JSON.stringify(v));
  }, [id, i, given], { timeout: 5000 }).catch(async () => {
    const now = await page.evaluate((id) => ({ step: document.getElementById(id).step,
      state: document.getElementById(id).plot.getState() }), id);
    assert.fail(`${id}: step ${i} not reached: step ${now.step}, query ${JSON.stringify(now.state.query)}, want ${JSON.stringify(given)}`);
  });
  return page.evaluate((id) => document.getElementById(id).plot.getState(), id);
}

function checkFields(state, given, what) {
  for (const [k, v] of Object.entries(given)) assert.deepEqual(state[k], v, `${what}: ${k}`);
}

async function walkTour(page) {
  const steps = await stepsOf(page, 'tour-story');
  assert.ok(steps.length >= 6, `the tour story has ${steps.length} steps (at least 6)`);
  for (let i = 0; i < steps.length; i++) {
    const state = await scrollToStep(page, 'tour-story', i, steps[i]);
    checkFields(state, steps[i], `tour step ${i + 1}`);
    const live = await page.$eval('#tour-story .attention-story-status', (e) => e.textContent);
    if (i > 0) assert.match(live, new RegExp(`^Step ${i + 1} of ${steps.length}: ${TOUR[i].title}\\. The plot: `), 'the live region names the step and its state');
    assert.equal(await page.$eval('#tour-story [aria-current="step"] h3', (e) => e.textContent), TOUR[i].title);
  }
  return steps;
}

test('the tour story tells TOUR exactly: titles, texts, try-this and states', async () => {
  const { page, problems } = await openStory(browser.context, storyUrl());
  const sections = await page.$$eval('#tour-story > section', (els) => els.map((e) => ({
    title: e.querySelector('h3').textContent, text: e.querySelector('p').textContent,
    tryThis: e.querySelector('.attention-story-try').textContent, state: e.dataset.attentionState,
  })));
  assert.equal(sections.length, TOUR.length);
  sections.forEach((s, i) => {
    const step = TOUR[i];
    assert.equal(s.title, step.title);
    assert.equal(s.text, step.text);
    assert.equal(s.tryThis, `Try this: ${step.tryThis}`);
    const { given, notices } = parseHash(PLAYGROUND, s.state);
    assert.deepEqual(notices, []);
    assert.deepEqual(Object.keys(given).sort(), Object.keys(step.state).sort(), `step ${i + 1}: the same fields`);
    for (const [k, v] of Object.entries(step.state)) assert.deepEqual(given[k], coerce(PLAYGROUND, k, v).value, `step ${i + 1}: ${k}`);
  });
  assert.deepEqual(problems, []);
  await page.close();
});

test('http: scrolling step by step drives each plot; two stories stay independent', async () => {
  const { page, problems } = await openStory(browser.context, storyUrl());
  const tourSteps = await walkTour(page);
  const tourLast = await page.evaluate(() => document.getElementById('tour-story').plot.getState());
  // The second story on the page: its own plot follows its own steps.
  const own = await stepsOf(page, 'own-story');
  assert.equal(own.length, 3);
  for (let i = 0; i < own.length; i++) {
    const state = await scrollToStep(page, 'own-story', i, own[i]);
    checkFields(state, own[i], `own step ${i + 1}`);
    assert.equal(state.n, 6, 'the plot\'s own attributes are the base of every step');
    assert.equal(state.showValues, false);
  }
  const tourAfter = await page.evaluate(() => ({ step: document.getElementById('tour-story').step, state: document.getElementById('tour-story').plot.getState() }));
  assert.equal(tourAfter.step, tourSteps.length - 1, 'scrolling the other story leaves this one on its last step');
  assert.deepEqual(tourAfter.state.query, tourLast.query);
  assert.deepEqual(tourAfter.state.longContext, tourLast.longContext);
  // And back up: the tour's plot returns to an earlier step.
  const state = await scrollToStep(page, 'tour-story', 1, tourSteps[1]);
  checkFields(state, tourSteps[1], 'back to tour step 2');
  assert.equal(state.longContext, 0, 'a step looks the same however it is reached (long context off again)');
  assert.deepEqual(problems, []);
  await page.close();
});

test('file://: the same story works from disk', async () => {
  const { page, problems } = await openStory(browser.context, pathToFileURL(pageFile).href);
  await walkTour(page);
  const own = await stepsOf(page, 'own-story');
  for (let i = 0; i < own.length; i++) checkFields(await scrollToStep(page, 'own-story', i, own[i]), own[i], `own step ${i + 1}`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a step change glides: between start and target mid-way, exactly on target at the end', async () => {
  const { page, problems } = await openStory(browser.context, storyUrl());
  const r = await page.evaluate(async () => {
    const story = document.getElementById('own-story');
    story.setAttribute('duration', '1200');
    const plot = story.plot;
    const from = plot.getState().query;
    const steps = story.steps;
    const samples = [];
    const seen = new Promise((resolve) => story.addEventListener('step', (e) => resolve(e.detail), { once: true }));
    steps[1].scrollIntoView({ block: 'center' });
    const detail = await seen;
    const t0 = performance.now();
    await new Promise((resolve) => {
      const tick = () => {
        samples.push({ t: performance.now() - t0, q: plot.getState().query, scale: plot.getState().customScale });
        if (performance.now() - t0 < 1500) requestAnimationFrame(tick); else resolve();
      };
      requestAnimationFrame(tick);
    });
    // animateTo on the handle directly: the promise says it landed
    const landed = await plot.animateTo({ query: [0, 2] }, { duration: 300 });
    return { from, to: detail.state.query, toScale: detail.state.customScale, samples, landed,
      end: plot.getState().query };
  });
  const mid = r.samples.find((s) => s.t > 450 && s.t < 750);
  assert.ok(mid, 'a sample mid-way');
  // The query of step 1 and 2 is the same (1,0): the scale glides 1 → 6.
  assert.deepEqual(r.from, [1, 0]);
  assert.ok(mid.scale > 1 && mid.scale < r.toScale, `mid-way scale ${mid.scale} between 1 and ${r.toScale}`);
  assert.equal(r.samples.at(-1).scale, r.toScale, 'exactly the target at the end');
  assert.deepEqual(r.samples.at(-1).q, r.to);
  assert.equal(r.landed, true);
  assert.deepEqual(r.end, [0, 2]);
  // The query glides too (step 3 turns it): an angle strictly between.
  const q = await page.evaluate(async () => {
    const story = document.getElementById('own-story');
    const plot = story.plot;
    const p = plot.animateTo({ query: [-0.6, 0.8] }, { duration: 1000 });
    await new Promise((r) => setTimeout(r, 500));
    const midQ = plot.getState().query;
    return { midQ, landed: await p, end: plot.getState().query };
  });
  const ang = (p) => Math.atan2(p[1], p[0]);
  assert.ok(ang(q.midQ) > ang([0, 2]) + 0.01 && ang(q.midQ) < ang([-0.6, 0.8]) - 0.01, `mid-way angle ${ang(q.midQ)}`);
  assert.equal(q.landed, true);
  assert.deepEqual(q.end, [-0.6, 0.8]);
  assert.deepEqual(problems, []);
  await page.close();
});

test('record() gives a WebM a <video> loads; toGIF() gives a GIF with several frames', async () => {
  const { page, problems } = await openStory(browser.context, storyUrl());
  const video = await page.evaluate(async () => {
    const plot = document.getElementById('own-story').plot;
    const rec = plot.record({ duration: 1200 });
    plot.animateTo({ query: [-1, 0.4] }, { duration: 900 });
    const blob = await rec;
    return { type: blob.type, bytes: Array.from(new Uint8Array(await blob.arrayBuffer())) };
  });
  // The story page's CSP (media-src 'self') refuses blob: media; a blank page loads it.
  const blank = await browser.context.newPage();
  const loaded = await blank.evaluate(async ({ type, bytes }) => {
    const v = document.createElement('video');
    v.muted = true;
    v.src = URL.createObjectURL(new Blob([Uint8Array.from(bytes)], { type }));
    await new Promise((resolve, reject) => { v.onloadedmetadata = resolve; v.onerror = () => reject(new Error(`video: ${v.error?.message}`)); });
    return { width: v.videoWidth, height: v.videoHeight };
  }, video);
  await blank.close();
  Object.assign(video, loaded, { size: video.bytes.length });
  assert.equal(video.type, 'video/webm');
  assert.ok(video.size > 1000, `a WebM of ${video.size} bytes`);
  assert.ok(video.width > 100 && video.height > 100, `video ${video.width}×${video.height}`);

  const gif = await page.evaluate(async () => {
    const plot = document.getElementById('own-story').plot;
    const rec = plot.toGIF({ duration: 1000, fps: 10 });
    plot.animateTo({ query: [1, 0.4] }, { duration: 800 });
    const blob = await rec;
    return { type: blob.type, bytes: Array.from(new Uint8Array(await blob.arrayBuffer())) };
  });
  assert.equal(gif.type, 'image/gif');
  const g = parseGif(Uint8Array.from(gif.bytes));
  assert.equal(g.header, 'GIF89a');
  assert.ok(g.images > 1, `${g.images} frames`);
  assert.equal(g.controls, g.images, 'each frame has its delay');
  assert.ok(g.width > 100, `GIF ${g.width}×${g.height}`);
  await assert.rejects(page.evaluate(() => document.getElementById('own-story').plot.toGIF({ duration: -1 })), /duration -1 is not a number of milliseconds/);
  assert.deepEqual(problems, []);
  await page.close();
});

/** Counts a GIF's image descriptors (0x2C) and graphic control extensions, walking its blocks. */
function parseGif(b) {
  const header = String.fromCharCode(...b.slice(0, 6));
  const width = b[6] | (b[7] << 8), height = b[8] | (b[9] << 8);
  let i = 13;
  if (b[10] & 0x80) i += 3 * (1 << ((b[10] & 7) + 1));
  const skipBlocks = () => { while (b[i] !== 0) i += b[i] + 1; i++; };
  let images = 0, controls = 0;
  while (i < b.length) {
    const id = b[i++];
    if (id === 0x3b) break;
    if (id === 0x21) {
      if (b[i] === 0xf9) controls++;
      i++;
      skipBlocks();
    } else if (id === 0x2c) {
      images++;
      const flags = b[i + 8];
      i += 9;
      if (flags & 0x80) i += 3 * (1 << ((flags & 7) + 1));
      i++;   // LZW minimum code size
      skipBlocks();
    } else {
      throw new Error(`GIF: unexpected block 0x${id.toString(16)} at ${i - 1}`);
    }
  }
  return { header, width, height, images, controls };
}

test('keyboard: steps are focusable, arrows move between them, the live region names the state', async () => {
  const { page, problems } = await openStory(browser.context, storyUrl());
  await page.locator('#own-story > section').first().focus();
  assert.equal(await page.evaluate(() => document.getElementById('own-story').step), 0);
  await page.keyboard.press('ArrowDown');
  const r = await page.evaluate(() => ({
    focused: document.activeElement.querySelector('h3')?.textContent,
    label: document.activeElement.getAttribute('aria-label'),
    step: document.getElementById('own-story').step,
    live: document.querySelector('#own-story .attention-story-status').textContent,
  }));
  assert.equal(r.focused, 'Cold: a larger scale');
  assert.equal(r.label, 'Step 2 of 3: Cold: a larger scale');
  assert.equal(r.step, 1);
  assert.match(r.live, /^Step 2 of 3: Cold: a larger scale\. The plot: 6 keys, random layout; query at 0°, length 1; scale 6\.$/);
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => document.getElementById('own-story').step), 2);
  await page.keyboard.press('Home');
  assert.equal(await page.evaluate(() => document.getElementById('own-story').step), 0);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.getElementById('own-story').step), 1, 'Tab reaches the next step too');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a bad step state shows in the plot\'s notices, named like a bad link', async () => {
  const { page, problems } = await openStory(browser.context, storyUrl());
  const texts = await page.evaluate(async () => {
    const story = document.createElement('attention-story');
    story.innerHTML = '<attention-plot controls="none"></attention-plot><section data-attention-state="quary=1,0&amp;n=999"><p>bad</p></section>';
    document.querySelector('main').append(story);
    await new Promise((r) => setTimeout(r, 200));
    const plotEl = story.querySelector('attention-plot');
    return { notices: Array.from(plotEl.shadowRoot.querySelectorAll('.notice-text'), (e) => e.textContent), n: plotEl.plot.getState().n };
  });
  assert.ok(texts.notices.includes('Story step 1 (data-attention-state): Unknown field "quary" was ignored.'), texts.notices.join(' | '));
  assert.ok(texts.notices.includes('Story step 1 (data-attention-state): n: "999" is outside 1…64; using "64" instead.'), texts.notices.join(' | '));
  assert.equal(texts.n, 64, 'the corrected value is used');
  assert.deepEqual(problems, []);
  await page.close();
});

test('reduced motion: a step jumps to its state', async () => {
  const reduced = await launch({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  try {
    const { page, problems } = await openStory(reduced.context, storyUrl());
    const steps = await stepsOf(page, 'tour-story');
    const r = await page.evaluate(async () => {
      const story = document.getElementById('tour-story');
      const seen = new Promise((resolve) => story.addEventListener('step', (e) => resolve(e.detail.state), { once: true }));
      story.steps[2].scrollIntoView({ block: 'center' });
      const target = await seen;
      const at = story.plot.getState().query;   // straight after the step changed, no frame in between
      const t0 = performance.now();
      const landed = await story.plot.animateTo({ query: [0, -1] }, { duration: 5000 });
      return { target: target.query, at, landed, ms: performance.now() - t0, end: story.plot.getState().query };
    });
    assert.deepEqual(r.at, steps[2].query, 'on the step\'s state at once');
    assert.deepEqual(r.target, steps[2].query);
    assert.equal(r.landed, true);
    assert.ok(r.ms < 100, `animateTo resolved after ${r.ms} ms`);
    assert.deepEqual(r.end, [0, -1]);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await reduced.close();
  }
});

test('Record buttons: the playground\'s Share fieldset and the element\'s full controls', async () => {
  const page = await browser.context.newPage();
  const problems = watch(page);
  await page.goto(new URL('index.html', srv.url).href);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 20000 });
  const button = page.locator('#record');
  await button.click();
  await page.waitForTimeout(1100);
  assert.match(await button.textContent(), /^● Recording 1 s… Stop$/);
  assert.equal(await button.getAttribute('aria-pressed'), 'true');
  await page.evaluate(() => window.playground.animateTo({ query: [-1, 1] }, { duration: 300 }));
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  assert.equal(download.suggestedFilename(), 'attention-plot.webm');
  await page.waitForFunction(() => /^Recording saved: attention-plot\.webm/.test(document.getElementById('share-status').textContent));
  assert.equal(await button.textContent(), 'Record');
  assert.equal(await button.getAttribute('aria-pressed'), 'false');

  // <attention-plot> with its full controls (the default)
  await page.goto(storyUrl());
  await page.evaluate(() => {
    const el = document.createElement('attention-plot');
    el.id = 'full';
    document.querySelector('main').prepend(el);
  });
  const rec = page.locator('#full button.record');
  await rec.click();
  await page.waitForTimeout(600);
  assert.match(await rec.textContent(), /^● Recording 0 s… Stop$/);
  const [d2] = await Promise.all([page.waitForEvent('download'), rec.click()]);
  assert.equal(d2.suggestedFilename(), 'attention-plot.webm');
  await page.waitForFunction(() => /^Recording saved/.test(document.querySelector('#full').shadowRoot.querySelector('.record-status').textContent));
  assert.deepEqual(problems, []);
  await page.close();
});

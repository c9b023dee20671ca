// <attention-story tour> prints a step's "Try this" only when the reader can do it with the
// plot's controls (web/js/page/story.js, TRY_NEEDS): with controls="none" only the lines
// that drag the query show; with "compact" also the scale slider's; with "full" every line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, serve } from './helpers.mjs';
import { TOUR } from '../../web/js/state/tour-steps.js';
import { TRY_NEEDS, canTry } from '../../web/js/page/story.js';

let srv, browser;
before(async () => {
  srv = await serve();
  browser = await launch({ viewport: { width: 1280, height: 800 } });
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

test('every tour step says what its "Try this" needs', () => {
  assert.deepEqual(TOUR.map((s) => s.title).filter((t) => !TRY_NEEDS[t]), []);
  assert.equal(canTry(['query'], 'none'), true);
  assert.equal(canTry(['keys'], 'compact'), false);
  assert.equal(canTry(['customScale'], 'compact'), true);
  assert.equal(canTry(['alpha'], 'compact'), false);
  assert.equal(canTry(['alpha'], 'full'), true);
});

test('the tour story shows only the "Try this" lines its controls allow', async () => {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(new URL('examples/story.html', srv.url).href);
  await page.waitForFunction(() => document.getElementById('tour-story')?.step >= 0, null, { timeout: 20000 });
  const shown = () => page.$$eval('#tour-story .attention-story-try', (els) => els.map((e) => !e.hidden && e.getClientRects().length > 0));
  const expect = (mode) => TOUR.map((s) => canTry(TRY_NEEDS[s.title], mode));
  assert.equal(await page.getAttribute('#tour-story > attention-plot', 'controls'), 'none');
  const none = await shown();
  assert.deepEqual(none, expect('none'));
  assert.ok(none.includes(false) && none.includes(true), 'some lines hidden, some shown');
  for (const mode of ['compact', 'full']) {
    await page.evaluate((mode) => document.querySelector('#tour-story > attention-plot').setAttribute('controls', mode), mode);
    await page.waitForFunction((want) => JSON.stringify(Array.from(document.querySelectorAll('#tour-story .attention-story-try'),
      (e) => !e.hidden)) === JSON.stringify(want), expect(mode), { timeout: 5000 });
  }
  assert.ok((await shown()).every(Boolean), 'with the full controls every line shows');
  assert.deepEqual(problems, []);
  await page.close();
});

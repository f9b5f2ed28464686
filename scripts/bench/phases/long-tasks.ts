/** The demo page reranking 1,000 passages while someone types in the query box: long tasks on the main thread. */
import { launchBrowser, openPage } from '../browser.js';
import { MODEL, MODEL_BASE } from '../config.js';
import { currentLoadAverage } from '../machine.js';
import type { Results } from '../results.js';
import { makePassages, type PassageKind } from '../text.js';
import { log, median, round, sleep } from '../util.js';
import type { Phase } from '../phase.js';

interface DemoProbeState {
  longTasks: { start: number; duration: number }[];
  keys: { key: string; delay: number; toFrame: number }[];
  /** When the results list first held more than the demo's own handful of results. */
  renderedAt?: number;
  /** When it held all of them. */
  completedAt?: number;
  startedAt?: number;
}

declare global {
  interface Window {
    __benchProbe?: DemoProbeState;
  }
}

async function measureLongTasks(results: Results, origin: string): Promise<void> {
  const kind: PassageKind = 'short';
  const count = 1000;
  log(`long tasks: demo page, ${count} ${kind} passages`);
  const browser = await launchBrowser(false);
  try {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      const state: DemoProbeState = { longTasks: [], keys: [] };
      window.__benchProbe = state;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) state.longTasks.push({ start: entry.startTime, duration: entry.duration });
      }).observe({ type: 'longtask', buffered: true });
      // Key-to-frame: from the key event's timestamp (when the browser got it) to the next animation frame
      // after the handlers ran, i.e. how long until the typed character can be painted.
      document.addEventListener(
        'keydown',
        (event) => {
          const delay = performance.now() - event.timeStamp;
          requestAnimationFrame(() => state.keys.push({ key: event.key, delay, toFrame: performance.now() - event.timeStamp }));
        },
        true,
      );
    });
    const opened = await openPage(
      browser,
      `${origin}/?modelBaseUrl=${encodeURIComponent(MODEL_BASE)}&model=${MODEL}&device=wasm`,
      context,
    );
    const { page } = opened;
    // Load the model with the demo's own passages first: the check is about reranking, not loading.
    await page.locator('#rerank').click();
    await page.locator('#results li').first().waitFor({ timeout: 120_000 });
    const loadLongTasks = await page.evaluate(() => window.__benchProbe?.longTasks.map((task) => task.duration) ?? []);
    // Set the textarea directly (as a paste would) and announce it: Playwright's fill() types into a 1 MB field slowly.
    await page.evaluate((text) => {
      const area = document.getElementById('passages');
      if (area instanceof HTMLTextAreaElement) {
        area.value = text;
        area.dispatchEvent(new Event('input', { bubbles: true }));
      }
    }, makePassages(count, kind).join('\n\n'));
    await page.locator('#query').fill('giant panda');
    await sleep(1000);
    const [threads = Number.NaN, sessions = Number.NaN] = await page.evaluate((total) => {
      const state = window.__benchProbe;
      if (state !== undefined) {
        state.longTasks = [];
        state.keys = [];
        state.startedAt = performance.now();
        const list = document.getElementById('results');
        if (list !== null) {
          new MutationObserver(() => {
            if (state.renderedAt === undefined && list.children.length > 10) state.renderedAt = performance.now();
            if (state.completedAt === undefined && list.children.length === total) state.completedAt = performance.now();
          }).observe(list, { childList: true });
        }
      }
      const text = document.getElementById('info')?.textContent ?? '';
      return [/WASM threads\s*(\d+)/, /WASM sessions\s*(\d+)/].map((pattern) => Number(pattern.exec(text)?.[1] ?? Number.NaN));
    }, count);
    const loadAverageBefore = currentLoadAverage();
    // Start with the demo's own shortcut from the query box, so the focus stays there for typing.
    await page.locator('#query').focus();
    const started = Date.now();
    await page.keyboard.press('Control+Enter');
    const roundTrips: number[] = [];
    let typed = '';
    const done = page.waitForFunction((n) => document.querySelectorAll('#results li').length === n, count, { timeout: 900_000, polling: 250 });
    let finished = false;
    void done.then(
      () => {
        finished = true;
      },
      () => {
        finished = true;
      },
    );
    const letters = 'bamboo shoots and leaves ';
    while (!finished) {
      const key = letters[typed.length % letters.length] as string;
      const sent = Date.now();
      await page.keyboard.press(key === ' ' ? 'Space' : key);
      roundTrips.push(Date.now() - sent);
      typed += key;
      await sleep(150);
    }
    await done;
    const rerankMs = Date.now() - started;
    await sleep(500);
    const probe = await page.evaluate(() => window.__benchProbe ?? { longTasks: [], keys: [] });
    const value = await page.locator('#query').inputValue();
    const renderedAt = probe.renderedAt ?? Number.POSITIVE_INFINITY;
    // A task that was running when the first results appeared is the one that put them there: rendering.
    const rendering = (task: { start: number; duration: number }): boolean => task.start + task.duration + 1 >= renderedAt;
    const before = probe.longTasks.filter((task) => !rendering(task)).map((task) => round(task.duration));
    const during = probe.longTasks.filter(rendering).map((task) => round(task.duration));
    const toFrame = probe.keys.map((key) => key.toFrame);
    results.longTask = {
      passages: count,
      kind,
      threads,
      sessions,
      rerankMs,
      longTasksWhileReranking: before,
      maxLongTaskWhileRerankingMs: before.length === 0 ? 0 : Math.max(...before),
      longTasksWhileRendering: during,
      maxLongTaskWhileRenderingMs: during.length === 0 ? 0 : Math.max(...during),
      renderMs: round((probe.completedAt ?? Number.NaN) - renderedAt),
      keystrokes: probe.keys.length,
      maxKeyToFrameMs: round(toFrame.length === 0 ? Number.NaN : Math.max(...toFrame)),
      medianKeyToFrameMs: round(median(toFrame)),
      maxKeyPressRoundTripMs: roundTrips.length === 0 ? Number.NaN : Math.max(...roundTrips),
      typedTextArrived: value === `giant panda${typed}`,
      loadLongTasksMs: loadLongTasks.map((duration) => round(duration)),
      loadAverageBefore,
      loadAverageAfter: currentLoadAverage(),
      errors: opened.errors.slice(0, 5),
    };
    log(`  ${JSON.stringify(results.longTask)}`);
  } finally {
    await browser.close();
  }
}

export const longTasks: Phase = {
  name: 'longtask',
  title: 'main-thread long tasks on the demo page while it reranks 1,000 passages and someone types',
  investigation: false,
  sharedBrowser: false,
  run: (context) => measureLongTasks(context.results, context.origin),
};

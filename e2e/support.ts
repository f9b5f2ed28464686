/**
 * Shared e2e pieces: a `test` that fails on any page error or console error, the harness page, and the
 * PyTorch references written by scripts/fixtures/make_fixtures.py (cross-encoders) and the LLM fixture scripts.
 */
import { readFileSync } from 'node:fs';
import { test as base, expect, type Page } from '@playwright/test';
import type * as Library from '../src/index.js';

declare global {
  interface Window {
    lib: typeof Library;
    harnessReady?: boolean;
    /** A reranker a test keeps on the page between evaluate calls. */
    reranker?: Library.Reranker;
    /** Outcomes (result or error code) of calls a test left running. */
    pending?: Promise<string>[];
  }
}

/** What every reference pair holds: the texts, the checkpoint tokenizer's ids and the FULL model's score. */
export interface PairBase {
  id: string;
  query: string;
  passage: string;
  inputIds: number[];
  truncated: boolean;
  scoreTorch: number;
}

/** A cross-encoder reference pair, with native onnxruntime's scores of the fp32 and q8 files. */
export interface ReferencePair extends PairBase {
  scoreOrtFp32: number;
  scoreOrtQ8: number;
}

export interface Reference {
  model: string;
  maxLength: number;
  pairs: ReferencePair[];
}

export function loadReference(model: string): Reference {
  return JSON.parse(readFileSync(new URL(`../fixtures/reference/${model}.json`, import.meta.url), 'utf8')) as Reference;
}

/**
 * A pair of an LLM reranker's reference (scripts/fixtures/make_llm_fixtures.py and
 * make_qwen3_published_fixture.py): native onnxruntime's score per dtype, and `probabilityTorch` (P(yes)) where
 * the card's score is a probability.
 */
export interface LlmPair extends PairBase {
  probabilityTorch?: number;
  scoreOrt: { fp32: number; q8: number; q4: number };
}

/** The pairs scored with one set of load options (`instruction`, `prompt`, `cutoffLayer`). */
export interface LlmCase {
  id: string;
  options: Record<string, string | number>;
  pairs: LlmPair[];
}

export interface LlmReference {
  maxLength: number;
  manifest?: { head: string; prompt: { style: string } };
  cases: LlmCase[];
}

export function loadLlmReference(model: string): LlmReference {
  return JSON.parse(readFileSync(new URL(`../fixtures/reference/${model}.json`, import.meta.url), 'utf8')) as LlmReference;
}

/** The [query, passage] pairs of a case, as `score` takes them. */
export function pairsOf(c: LlmCase): [string, string][] {
  return c.pairs.map((p) => [p.query, p.passage]);
}

/** The largest |got - expected| over the entries of `expected` (NaN where `got` lacks one). */
export function worstDiff(got: readonly number[], expected: readonly number[]): number {
  return Math.max(...expected.map((value, index) => Math.abs((got[index] ?? Number.NaN) - value)));
}

/** Where the test server serves the fixture models, in the Hub's layout. */
export const FIXTURE_BASE = '/fixtures/models';

/** Console noise that is not an error of the page: onnxruntime's own warnings about node placement. */
const BENIGN_CONSOLE = [/VerifyEachNodeIsAssignedToAnEp/, /Some nodes were not assigned to the preferred execution providers/];

export const test = base.extend<{ pageErrors: string[]; expectedConsoleErrors: RegExp[] }>({
  /** Console errors a test provokes on purpose (a 404 it asked for); anything else fails the test. */
  expectedConsoleErrors: [[], { option: true }],
  pageErrors: [
    async ({ page, expectedConsoleErrors }, use) => {
      const errors: string[] = [];
      const failedUrls: string[] = [];
      page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
      // Name the URL of failed responses: Chromium's console line about them does not.
      page.on('response', (response) => {
        if (response.status() >= 400) failedUrls.push(`${response.status()} ${response.url()}`);
      });
      page.on('console', (message) => {
        const allowed = [...BENIGN_CONSOLE, ...expectedConsoleErrors];
        if (message.type() === 'error' && !allowed.some((pattern) => pattern.test(message.text()))) {
          errors.push(`console.error: ${message.text()}`);
        }
      });
      await use(errors);
      expect(errors, `the page reported errors (failed responses: ${failedUrls.join(', ') || 'none'})`).toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export async function openHarness(page: Page): Promise<void> {
  await page.goto('/e2e/pages/harness.html');
  await page.waitForFunction(() => window.harnessReady === true);
}

/** A row of the demo's ranking as the page shows it: the passage's place in the input, its scores and text. */
export interface ShownRow {
  index: number;
  raw: number;
  normalized: number;
  passage: string;
}

/** The demo page's ranked rows (`#results li`), once `count` of them are shown. */
export async function shownRows(page: Page, count: number, timeout = 120_000): Promise<ShownRow[]> {
  const rows = page.locator('#results li');
  await expect(rows).toHaveCount(count, { timeout });
  return rows.evaluateAll((items) =>
    items.map((item) => ({
      index: Number((item as HTMLElement).dataset['index']),
      raw: Number(item.querySelector('.score-raw')?.textContent?.replace(/[^\d.eE+-]/g, '')),
      normalized: Number(item.querySelector('.score-normalized')?.textContent?.replace(/[^\d.eE+-]/g, '')),
      passage: item.querySelector('.passage')?.textContent ?? '',
    })),
  );
}

/** Cosine similarity of two vectors (an embedding against its PyTorch reference); NaN where b is shorter. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    const y = b[i] ?? Number.NaN;
    dot += x * y;
    na += x * x;
    nb += y * y;
  });
  return dot / Math.sqrt(na * nb);
}

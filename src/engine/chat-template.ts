/**
 * A chat template (tokenizer_config.json's `chat_template`) comes with the model and runs for every pair
 * (lb-reranker's prompt style). Before any call it is checked: a template that is no string, is absurdly
 * long, asks for a huge `range()`, throws, leaves the query or passage out, or is slow on one short pair
 * is refused as `unsupported-model` naming `chat_template`. Jinja has no unbounded loops (loops run over
 * finite lists, recursion ends in a stack overflow, which throws), so these bounds keep a template from
 * hanging the worker.
 */
import { RerankerError, describeCause } from '../shared/errors.js';

/** Longest template taken: real ones are a few KB. */
export const MAX_CHAT_TEMPLATE_CHARS = 100_000;
/** Largest number literal inside a `range(...)`: a template iterates over messages, not millions of numbers. */
export const MAX_TEMPLATE_RANGE = 10_000;
/** The probe pair must render within this: every pair renders the template once. */
export const MAX_PROBE_RENDER_MS = 1_000;

function refused(model: string, problem: string, cause?: unknown): RerankerError {
  return new RerankerError(
    'unsupported-model',
    `${model}'s tokenizer_config.json chat_template ${problem}. Fix the template and re-export the model.`,
    { details: { field: 'chat_template', problem }, ...(cause === undefined ? {} : { cause }) },
  );
}

/** The template's text(s): a string, or transformers' list of named templates. */
export function checkChatTemplate(template: unknown, model: string): void {
  const texts: unknown[] =
    Array.isArray(template) ? template.map((entry) => (entry as { template?: unknown } | null)?.template) : [template];
  if (texts.length === 0) throw refused(model, 'is an empty list');
  for (const text of texts) {
    if (typeof text !== 'string') throw refused(model, text === undefined || text === null ? 'is missing' : 'is not a string');
    if (text.length > MAX_CHAT_TEMPLATE_CHARS) throw refused(model, `is over ${MAX_CHAT_TEMPLATE_CHARS} characters long`);
    for (const match of text.matchAll(/range\s*\(([^)]*)\)/g)) {
      const numbers = (match[1] ?? '').match(/\d[\d_]*(?:\.\d+)?(?:e\d+)?/gi) ?? [];
      if (numbers.some((literal) => Number(literal.replace(/_/g, '')) > MAX_TEMPLATE_RANGE) || /\*\*|\*/.test(match[1] ?? '')) {
        throw refused(model, `asks for a range over ${MAX_TEMPLATE_RANGE} items (${match[0].slice(0, 60)})`);
      }
    }
  }
}

/**
 * Renders one short probe pair through `render` (the tokenizer's template): it must return a string that
 * holds the query and the passage, without throwing, within MAX_PROBE_RENDER_MS.
 */
export function probeChatRender(render: (query: string, passage: string) => string, model: string, now: () => number = () => performance.now()): void {
  const query = 'probe-query-7f3a';
  const passage = 'probe-passage-9c1e';
  const started = now();
  let text: unknown;
  try {
    text = render(query, passage);
  } catch (error) {
    throw refused(model, `fails to render a pair (${describeCause(error).slice(0, 200)})`, error);
  }
  if (now() - started > MAX_PROBE_RENDER_MS) throw refused(model, `took over ${MAX_PROBE_RENDER_MS} ms to render one short pair`);
  if (typeof text !== 'string' || !text.includes(query) || !text.includes(passage)) {
    throw refused(model, 'renders a pair without its query or passage');
  }
}

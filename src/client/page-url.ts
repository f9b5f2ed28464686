/** Inside a worker a relative URL would resolve against the worker script; users mean the page. */
export function withAbsoluteBaseUrl<T extends { readonly modelBaseUrl?: string | undefined }>(options: T): T {
  if (options.modelBaseUrl === undefined) return options;
  const pageUrl = globalThis.document?.baseURI ?? globalThis.location?.href;
  if (pageUrl === undefined) return options;
  return { ...options, modelBaseUrl: new URL(options.modelBaseUrl, pageUrl).href };
}

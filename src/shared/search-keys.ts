/** Names shared by the page and the search worker: the embedding model's key and the text a document stands for. */

/** A vector is reused only under the same model, revision, dtype and size: `model@revision/dtype/dimensions`. */
export function modelKey(info: { readonly model: string; readonly revision: string; readonly dtype: string; readonly dimensions: number }): string {
  return `${info.model}@${info.revision}/${info.dtype}/${info.dimensions}`;
}

/** The text the embedder and the reranker see: the non-empty fields, in the fields' order, joined by a blank line. */
export function documentText(values: readonly string[]): string {
  return values.filter((value) => value.length > 0).join('\n\n');
}

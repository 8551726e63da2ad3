// Text preparation shared by every SearchIndex adapter, so they index the same words.
import type { SearchDocument } from './search-index.ts';

/** A label the model is less sure of than this ranks like OCR text (lowest weight) instead of like a tag. */
export const WEAK_LABEL_CONFIDENCE = 0.5;

/**
 * OCR output keeps its words and drops its noise: single characters ("l", "|", "e") and runs of symbols
 * ("~~=-", "•••") that Tesseract reads in textures and edges would otherwise match one-letter queries and pad
 * every document's text. A token stays when at least two of its characters are letters or digits and they are
 * at least half of it ("2026", "N-II", "C/ Mayor" → "C/" goes, "Mayor" stays).
 */
export function ocrIndexText(text: string): string {
  return text
    .split(/\s+/)
    .filter((token) => {
      const wordCharacters = token.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
      return wordCharacters >= 2 && wordCharacters * 2 >= [...token].length;
    })
    .join(' ');
}

/**
 * The document's labels split by the model's confidence: strong ones rank like tags, weak ones (below
 * WEAK_LABEL_CONFIDENCE) like OCR text. A label without a confidence (an editor's, or an older document) is strong.
 */
export function labelsByConfidence(doc: SearchDocument): { strong: string[]; weak: string[] } {
  const labels = doc.labels ?? [];
  const isWeak = (label: string) => (doc.labelConfidence?.[label] ?? 1) < WEAK_LABEL_CONFIDENCE;
  return { strong: labels.filter((label) => !isWeak(label)), weak: labels.filter(isWeak) };
}

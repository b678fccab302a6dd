/**
 * Optimal string alignment distance (Levenshtein with adjacent transpositions): "whomai" is
 * one edit from "whoami".
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Every candidate, closest to `word` first (ties keep their order). */
export function byCloseness(word: string, candidates: readonly string[]): string[] {
  return candidates
    .map((candidate, index) => ({ candidate, index, distance: editDistance(word.toLowerCase(), candidate.toLowerCase()) }))
    .sort((x, y) => x.distance - y.distance || x.index - y.index)
    .map(({ candidate }) => candidate);
}

/**
 * The candidate a typo most likely meant, or none. Commander allows 3 edits for any word,
 * so "bogus" (5 letters) became "logout"; a third of the word's length is what a typo
 * plausibly changes.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const best = byCloseness(word, candidates)[0];
  if (best === undefined) return undefined;
  return editDistance(word.toLowerCase(), best.toLowerCase()) <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

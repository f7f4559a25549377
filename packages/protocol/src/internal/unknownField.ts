/**
 * The closest known name to a field a caller sent that the body does not take (PROTOCOL.md §16:
 * "unknown field titel; did you mean title?"). A typo is a letter missed, added, changed or two
 * swapped, so the measure is the edit distance with transpositions (optimal string alignment),
 * letter case ignored; a name too far from every known one gets no guess, the known names instead.
 */

/** Edits (insert, delete, substitute, swap two neighbours) between `a` and `b`. */
export const editDistance = (a: string, b: string): number => {
  const rows: Array<Array<number>> = []
  for (let i = 0; i <= a.length; i++) {
    const row: Array<number> = [i]
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j)
        continue
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1)
      }
      row.push(best)
    }
    rows.push(row)
  }
  return rows[a.length]![b.length]!
}

/**
 * The known name `name` most likely meant, or undefined when none is close: at most one edit
 * for names up to five letters, a third of the longer name's letters beyond (the first of equals).
 */
export const closestName = (name: string, known: ReadonlyArray<string>): string | undefined => {
  let best: { name: string; distance: number } | undefined
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase())
    const allowed = Math.max(1, Math.floor(Math.max(name.length, candidate.length) / 3))
    if (distance <= allowed && (best === undefined || distance < best.distance)) {
      best = { name: candidate, distance }
    }
  }
  return best?.name
}

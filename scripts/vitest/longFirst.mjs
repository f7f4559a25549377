// The order test files start in: the few that take minutes first, then vitest's own order (on
// a fresh clone, which has no timings cached: the largest files first). A long file started late
// is what the whole run waits for at its end: the image test builds a container image (minutes
// when its cache is cold), and in a fresh-clone run here it started 400 s in and the run idled
// on its last files. Started first, they overlap with everything else. The list is by path, from
// a fresh-clone run's timings (test-results/vitest.json); a file not listed keeps its place.
import { BaseSequencer } from "vitest/node"

/** Slowest first: each took a minute or more in a fresh-clone CI run. */
const LONG = [
  "apps/server/test/package/image.test.ts",
  "bench/peers/smoke.test.mjs",
  "apps/server/test/reliability/storms.test.ts",
  "apps/server/test/durability/kill9.test.ts",
  "apps/server/test/cli/cli.test.ts",
  "apps/server/test/reliability/rest-fuzz.test.ts"
]

const rank = (file) => {
  const i = LONG.findIndex((path) => file.endsWith(path))
  return i === -1 ? LONG.length : i
}

export class LongFirst extends BaseSequencer {
  async sort(files) {
    const sorted = await super.sort(files)
    // Array.prototype.sort is stable: the others keep vitest's order among themselves.
    return sorted.sort((a, b) => rank(a.moduleId) - rank(b.moduleId))
  }
}

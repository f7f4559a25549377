/**
 * A Prometheus histogram kept as plain numbers (cumulative buckets, sum, count), cheap enough
 * for the hot path: one loop over a dozen bounds per observation, no allocation.
 */

/** A histogram with fixed upper bounds. */
export interface Histogram {
  /** Counts one value. */
  readonly observe: (value: number) => void
  /** The exposition lines: `# HELP`, `# TYPE`, every `_bucket{le}` (cumulative), `_sum`, `_count`. */
  readonly render: () => Array<string>
}

/** Bounds for durations in seconds: 0.5 ms to 10 s. */
export const SECONDS_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
]

/** Bounds for sizes (recipients of a call): 1 to 10,000. */
export const SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

/** A histogram named `name` (the `_bucket`, `_sum`, `_count` series share it). */
export const makeHistogram = (name: string, help: string, bounds: ReadonlyArray<number>): Histogram => {
  const counts = new Array<number>(bounds.length).fill(0)
  let sum = 0
  let count = 0
  return {
    observe: (value) => {
      for (let i = 0; i < bounds.length; i++) {
        if (value <= bounds[i]!) {
          counts[i]!++
          break
        }
      }
      sum += value
      count++
    },
    render: () => {
      const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`]
      let cumulative = 0
      for (let i = 0; i < bounds.length; i++) {
        cumulative += counts[i]!
        lines.push(`${name}_bucket{le="${bounds[i]}"} ${cumulative}`)
      }
      lines.push(`${name}_bucket{le="+Inf"} ${count}`, `${name}_sum ${sum}`, `${name}_count ${count}`)
      return lines
    }
  }
}

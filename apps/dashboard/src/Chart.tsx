/**
 * The statistics chart: the series of `GET /v1/apps/{id}/stats/series` drawn with uPlot (canvas,
 * small, no CDN), with a text summary of the same numbers for screen readers and tests.
 */
import { useEffect, useRef } from "react"
import type { StatsPoint } from "@pushback/protocol/types"
import uPlot from "uplot"

/** One point of a series, as the API answers it. */
export type Point = StatsPoint

const SERIES = [
  { key: "notifications", label: "Notifications", stroke: "#3b6fd8" },
  { key: "delivered", label: "Delivered", stroke: "#1f9d6b" },
  { key: "seen", label: "Seen", stroke: "#c7861b" },
  { key: "read", label: "Read", stroke: "#9b4fd0" },
  { key: "emails", label: "Emails", stroke: "#6b7280" },
  { key: "emailsFailed", label: "Emails failed", stroke: "#d23f3f" },
  { key: "pushes", label: "Pushes", stroke: "#0e8fa3" },
  { key: "pushesFailed", label: "Pushes failed", stroke: "#a3460e" }
] as const

/** Totals of the points, by series. */
export const totalsOf = (points: ReadonlyArray<Point>) =>
  Object.fromEntries(SERIES.map((s) => [s.key, points.reduce((n, p) => n + p[s.key], 0)])) as Record<
    (typeof SERIES)[number]["key"],
    number
  >

/** A line chart of `points`, titled `label`. */
export const Chart = ({ points, label }: { points: ReadonlyArray<Point>; label: string }) => {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const data: uPlot.AlignedData = [
    points.map((p) => Date.parse(p.t) / 1000),
    ...SERIES.map((s) => points.map((p) => p[s.key]))
  ]
  // biome-ignore lint/correctness/useExhaustiveDependencies: the plot is made once; data updates below
  useEffect(() => {
    if (box.current === null) return
    const width = () => Math.max(280, box.current?.clientWidth ?? 600)
    plot.current = new uPlot(
      {
        width: width(),
        height: 240,
        series: [{}, ...SERIES.map((s) => ({ label: s.label, stroke: s.stroke, width: 2 }))],
        axes: [{ stroke: "currentColor" }, { stroke: "currentColor" }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } }
      },
      data,
      box.current
    )
    const onResize = () => plot.current?.setSize({ width: width(), height: 240 })
    addEventListener("resize", onResize)
    return () => {
      removeEventListener("resize", onResize)
      plot.current?.destroy()
      plot.current = null
    }
  }, [])
  useEffect(() => {
    plot.current?.setData(data)
  })
  const totals = totalsOf(points)
  return (
    <figure className="chart">
      <div ref={box} role="img" aria-label={`Chart of ${label}`} />
      <figcaption data-testid="chart-summary">
        {label}: {SERIES.map((s) => `${totals[s.key]} ${s.label.toLowerCase()}`).join(", ")}
      </figcaption>
    </figure>
  )
}

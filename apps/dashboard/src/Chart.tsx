/**
 * The statistics chart: the series of `GET /v1/apps/{id}/stats/series` drawn with uPlot (canvas,
 * small, no CDN), with a text summary of the same numbers for screen readers and tests.
 */
import { useEffect, useRef } from "react"
import type { StatsPoint } from "@pushback/protocol/types"
import uPlot from "uplot"
import { axisTime, counted } from "./format.js"

/** One point of a series, as the API answers it. */
export type Point = StatsPoint

/**
 * The series and how each is drawn: a colour and a line style of its own (dashes, dots, widths),
 * so two series with the same values stay visible one over the other (Seen under Read). A
 * failure series (`fails`) draws nothing at zero, so it never paints the baseline red. `one` is
 * a series' noun for a count of one in the summary (`1 notification`, `2 notifications`).
 */
const SERIES = [
  { key: "notifications", label: "Notifications", one: "notification", stroke: "#3b6fd8", width: 3 },
  { key: "delivered", label: "Delivered", stroke: "#1f9d6b", width: 2, dash: [8, 4] },
  { key: "seen", label: "Seen", stroke: "#c7861b", width: 4, dash: [2, 4] },
  { key: "read", label: "Read", stroke: "#9b4fd0", width: 2, dash: [12, 3, 3, 3] },
  { key: "emails", label: "Emails", one: "email", stroke: "#6b7280", width: 2, dash: [4, 2] },
  {
    key: "emailsFailed",
    label: "Emails failed",
    one: "email failed",
    stroke: "#d23f3f",
    width: 2,
    fails: true
  },
  { key: "pushes", label: "Pushes", one: "push", stroke: "#0e8fa3", width: 2, dash: [1, 3] },
  {
    key: "pushesFailed",
    label: "Pushes failed",
    one: "push failed",
    stroke: "#a3460e",
    width: 2,
    fails: true
  }
] as const

/** Totals of the points, by series. */
export const totalsOf = (points: ReadonlyArray<Point>) =>
  Object.fromEntries(SERIES.map((s) => [s.key, points.reduce((n, p) => n + p[s.key], 0)])) as Record<
    (typeof SERIES)[number]["key"],
    number
  >

/** The legend shows the latest values while the pointer is not over the chart (not `--`). */
const showLatest = (u: uPlot) => {
  const n = u.data[0].length
  if (n > 0 && u.cursor.idx == null) u.setLegend({ idx: n - 1 })
}

/** A line chart of `points`, titled `label`. */
export const Chart = ({ points, label }: { points: ReadonlyArray<Point>; label: string }) => {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const times = points.map((p) => Date.parse(p.t) / 1000)
  // read by the axis of the plot made once, so kept in a ref that follows the data
  const spansDays = useRef(false)
  spansDays.current = times.length > 1 && times.at(-1)! - times[0]! > 86_400
  const data: uPlot.AlignedData = [
    times,
    ...SERIES.map((s) => points.map((p) => ("fails" in s && p[s.key] === 0 ? null : p[s.key])))
  ]
  // biome-ignore lint/correctness/useExhaustiveDependencies: the plot is made once; data updates below
  useEffect(() => {
    if (box.current === null) return
    const width = () => Math.max(280, box.current?.clientWidth ?? 600)
    plot.current = new uPlot(
      {
        width: width(),
        height: 240,
        series: [
          { value: (_u, v) => (v == null ? "—" : axisTime(v, false)) },
          ...SERIES.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: s.width,
            ...("dash" in s ? { dash: [...s.dash] } : {}),
            // a failure is drawn where it happened only; its zero reads 0 in the legend
            ...("fails" in s
              ? { points: { show: true, size: 6 }, value: (_u: uPlot, v: number | null) => String(v ?? 0) }
              : {})
          }))
        ],
        legend: { live: true },
        hooks: { ready: [showLatest], setData: [showLatest], setCursor: [showLatest] },
        axes: [
          {
            stroke: "currentColor",
            // room for each label, so they neither crowd nor clip at 360 px
            space: 72,
            values: (_u, splits) => splits.map((t) => axisTime(t, spansDays.current))
          },
          { stroke: "currentColor", size: 44 }
        ],
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
        {label}:{" "}
        {SERIES.map((s) =>
          "one" in s
            ? counted(totals[s.key], s.one, s.label.toLowerCase())
            : `${totals[s.key]} ${s.label.toLowerCase()}`
        ).join(", ")}
      </figcaption>
    </figure>
  )
}

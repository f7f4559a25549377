/**
 * How the dashboard writes times and counts, in one place (issue 26): every time on the 24-hour
 * clock (`00:13:49` in the tables, `00:15` on the chart's axis), never a mix of `12:13:49 AM`
 * and `12:15am`; a count with its noun in the singular or the plural as the number says.
 */

const clock = new Intl.DateTimeFormat("en-GB", {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23"
})
const shortClock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
const day = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" })

/** `00:13:49` for an ISO time, `—` for none. */
export const timeOf = (iso: string | null | undefined): string =>
  iso == null ? "—" : clock.format(new Date(iso))

/** `7 Dec 00:13:49` for an ISO time where the day matters too, `—` for none. */
export const dayTimeOf = (iso: string | null | undefined): string =>
  iso == null ? "—" : `${day.format(new Date(iso))} ${clock.format(new Date(iso))}`

/** `00:15` (or `7 Dec` at midnight, on a chart spanning days) for seconds since the epoch. */
export const axisTime = (seconds: number, spansDays: boolean): string => {
  const date = new Date(seconds * 1000)
  return spansDays && date.getHours() === 0 && date.getMinutes() === 0
    ? day.format(date)
    : shortClock.format(date)
}

/** `1 connection`, `2 connections`. */
export const counted = (n: number, noun: string, plural = `${noun}s`): string =>
  `${n} ${n === 1 ? noun : plural}`

/**
 * `/metrics` (PROTOCOL.md §8): the Prometheus text exposition format, parsed line by line —
 * every sample belongs to a declared family, counters end in `_total`, histograms have
 * cumulative `le` buckets ending in `+Inf` equal to `_count` — and the histograms of notify
 * handling time, fan-out, notify→frame delay and store commit time, the sessions by transport
 * gauge and the email and bus counters count what happened; the REST requests in flight gauge
 * counts requests until they end, also when the caller abandons them.
 */
import { connectWs, localToken, useServer } from "@pushback/testkit"
import { expect, it } from "vitest"

const server = useServer()

interface Family {
  type: string
  help: string
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses the text format strictly: any line that is not HELP, TYPE or a sample of a declared family fails. */
const parse = (text: string): Map<string, Family> => {
  expect(text.endsWith("\n")).toBe(true)
  const families = new Map<string, Family>()
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = /^# (HELP|TYPE) (\S+) (.+)$/.exec(line)
    if (meta !== null) {
      const [, kind, name, rest] = meta
      expect(name).toMatch(NAME)
      const family = families.get(name!) ?? { type: "", help: "", samples: [] }
      if (kind === "TYPE") {
        expect(["counter", "gauge", "histogram"]).toContain(rest)
        family.type = rest!
      } else family.help = rest!
      families.set(name!, family)
      continue
    }
    const m = SAMPLE.exec(line)
    expect(m, `not a sample line: ${line}`).not.toBeNull()
    const [, name, labelText, value] = m!
    const labels = Object.fromEntries([...(labelText ?? "").matchAll(LABEL)].map((l) => [l[1]!, l[2]!]))
    const base = [...families.keys()].find(
      (f) =>
        name === f ||
        (families.get(f)!.type === "histogram" &&
          /^_(bucket|sum|count)$/.test(name!.slice(f.length)) &&
          name!.startsWith(f))
    )
    expect(base, `sample ${name} has no # TYPE`).toBeDefined()
    const n = value === "+Inf" ? Number.POSITIVE_INFINITY : Number(value)
    expect(Number.isNaN(n), line).toBe(false)
    families.get(base!)!.samples.push({ name: name!, labels, value: n })
  }
  for (const [name, family] of families) {
    expect(family.type, `${name} has a TYPE`).not.toBe("")
    expect(family.help, `${name} has a HELP`).not.toBe("")
    if (family.type === "counter") expect(name).toMatch(/_total$/)
    if (family.type === "histogram") {
      const buckets = family.samples.filter((s) => s.name === `${name}_bucket`)
      expect(buckets.at(-1)?.labels["le"], `${name} ends with +Inf`).toBe("+Inf")
      for (let i = 1; i < buckets.length; i++) {
        expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value)
        expect(le(buckets[i]!)).toBeGreaterThan(le(buckets[i - 1]!))
      }
      const count = family.samples.find((s) => s.name === `${name}_count`)!.value
      expect(buckets.at(-1)!.value).toBe(count)
      expect(family.samples.some((s) => s.name === `${name}_sum`)).toBe(true)
    }
  }
  return families
}

/** A bucket's upper bound. */
const le = (s: { labels: Record<string, string> }) =>
  s.labels["le"] === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels["le"])

const scrape = async () => parse(await (await fetch(`${server.url}/metrics`)).text())
const value = (
  families: Map<string, Family>,
  name: string,
  sample = name,
  labels: Record<string, string> = {}
) =>
  families
    .get(name)
    ?.samples.find((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value

it("exposes the histograms, gauges and counters of §8 in the text format, counting what happened", async () => {
  const before = await scrape()
  for (const [name, type] of [
    ["pushback_notify_duration_seconds", "histogram"],
    ["pushback_notify_fanout_recipients", "histogram"],
    ["pushback_notify_to_frame_seconds", "histogram"],
    ["pushback_store_commit_seconds", "histogram"],
    ["pushback_connections", "gauge"],
    ["pushback_emails_sent_total", "counter"],
    ["pushback_emails_failed_total", "counter"],
    ["pushback_bus_messages_published_total", "counter"],
    ["pushback_bus_messages_received_total", "counter"]
  ] as const) {
    expect(before.get(name)?.type, name).toBe(type)
  }
  const app = await server.newApp("metrics")
  const ws = await connectWs(`${server.wsUrl}/v1/ws?token=${encodeURIComponent(localToken(app, "m1"))}`)
  try {
    await ws.next((f) => f.type === "welcome")
    const mid = await scrape()
    expect(value(mid, "pushback_connections", "pushback_connections", { transport: "ws" })).toBe(1)
    await server.notify(app, { users: ["m1", "m2", "m3"], content: "x" })
    await ws.next((f) => f.type === "notification")
    const after = await scrape()
    const count = (name: string, of = before) => value(of, name, `${name}_count`) ?? 0
    expect(count("pushback_notify_duration_seconds", after) - count("pushback_notify_duration_seconds")).toBe(
      1
    )
    expect(
      count("pushback_notify_fanout_recipients", after) - count("pushback_notify_fanout_recipients")
    ).toBe(1)
    const fanoutSum = (of: Map<string, Family>) =>
      value(of, "pushback_notify_fanout_recipients", "pushback_notify_fanout_recipients_sum") ?? 0
    expect(fanoutSum(after) - fanoutSum(before)).toBe(3)
    // One live session got the frame: one delay observed.
    expect(count("pushback_notify_to_frame_seconds", after) - count("pushback_notify_to_frame_seconds")).toBe(
      1
    )
    expect(count("pushback_store_commit_seconds", after) - count("pushback_store_commit_seconds")).toBe(1)
    const bucket3 = value(
      after,
      "pushback_notify_fanout_recipients",
      "pushback_notify_fanout_recipients_bucket",
      {
        le: "5"
      }
    )
    const bucket2 = value(
      after,
      "pushback_notify_fanout_recipients",
      "pushback_notify_fanout_recipients_bucket",
      {
        le: "2"
      }
    )
    expect((bucket3 ?? 0) - (bucket2 ?? 0)).toBeGreaterThanOrEqual(1)
  } finally {
    await ws.close()
  }
})

it("counts the REST requests being handled (the outbox's pacing reads it), ended or abandoned", async () => {
  const inFlight = async () => value(await scrape(), "pushback_http_requests_in_flight")
  // The scrape is itself a request in flight.
  expect(await inFlight()).toBe(1)
  const { request } = await import("node:http")
  // Three requests whose bodies never finish arrive: they are being handled until they end.
  const pending = [1, 2, 3].map(() => {
    const req = request(`${server.url}/v1/notify`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "100" }
    })
    req.on("error", () => undefined)
    req.write('{"users":')
    return req
  })
  await expect.poll(inFlight, { timeout: 5_000 }).toBe(4)
  for (const req of pending) req.destroy()
  await expect.poll(inFlight, { timeout: 5_000 }).toBe(1)
})

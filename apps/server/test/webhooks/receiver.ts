/**
 * A real loopback webhook receiver for the webhook tests: an HTTP server that checks every
 * request with the `standardwebhooks` library against the secrets registered for its path,
 * records what came, and answers what the test scripts (default 200). A request that fails
 * verification is kept in `rejected` and answered 400, so a test sees it.
 */
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { eventually } from "@pushback/testkit"
import { Webhook } from "standardwebhooks"

/** One request the receiver got. */
export interface Delivery {
  readonly path: string
  readonly id: string
  readonly timestamp: string
  readonly signature: string
  readonly raw: string
  readonly body: { type: string; timestamp: string; data: Record<string, unknown> }
  /** Which of the path's secrets verified it (by their index). */
  readonly verifiedBy: ReadonlyArray<number>
  /** When it arrived (ms). */
  readonly at: number
}

/** What the receiver answers one request with. */
export interface Answer {
  readonly status: number
  readonly headers?: Record<string, string>
  /** Wait this long before answering (a slow receiver). */
  readonly delayMs?: number
}

/** The receiver. */
export interface Receiver {
  /** `http://127.0.0.1:PORT` */
  readonly url: string
  readonly deliveries: Array<Delivery>
  /** Requests no registered secret verified (with why). */
  readonly rejected: Array<string>
  /** The secrets a path's requests are verified with (every one that verifies is noted). */
  readonly secrets: Map<string, Array<string>>
  /** A path's scripted answers: called with the delivery and how many came to that path before it. */
  readonly script: Map<string, (d: Delivery, n: number) => Answer>
  /** Deliveries to `path`. */
  readonly to: (path: string) => Array<Delivery>
  /** Waits until `check` holds of the deliveries to `path`. */
  readonly waitFor: (
    path: string,
    check: (ds: Array<Delivery>) => boolean,
    what?: string
  ) => Promise<Array<Delivery>>
  readonly close: () => Promise<void>
}

const header = (headers: IncomingHttpHeaders, name: string): string => String(headers[name] ?? "")

/** Starts a receiver on a free loopback port. */
export const startReceiver = async (): Promise<Receiver> => {
  const deliveries: Array<Delivery> = []
  const rejected: Array<string> = []
  const secrets = new Map<string, Array<string>>()
  const script = new Map<string, (d: Delivery, n: number) => Answer>()
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8")
      const path = req.url ?? "/"
      const verifiedBy: Array<number> = []
      const errors: Array<string> = []
      for (const [i, secret] of (secrets.get(path) ?? []).entries()) {
        try {
          new Webhook(secret).verify(raw, req.headers as Record<string, string>)
          verifiedBy.push(i)
        } catch (e) {
          errors.push(String(e))
        }
      }
      if (verifiedBy.length === 0) {
        rejected.push(`${path}: ${errors.join("; ") || "no secret registered"}`)
        res.writeHead(400).end()
        return
      }
      const delivery: Delivery = {
        path,
        id: header(req.headers, "webhook-id"),
        timestamp: header(req.headers, "webhook-timestamp"),
        signature: header(req.headers, "webhook-signature"),
        raw,
        body: JSON.parse(raw) as Delivery["body"],
        verifiedBy,
        at: Date.now()
      }
      const n = deliveries.filter((d) => d.path === path).length
      deliveries.push(delivery)
      const answer = script.get(path)?.(delivery, n) ?? { status: 200 }
      setTimeout(() => res.writeHead(answer.status, answer.headers).end(), answer.delayMs ?? 0)
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const { port } = server.address() as AddressInfo
  const to = (path: string) => deliveries.filter((d) => d.path === path)
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    rejected,
    secrets,
    script,
    to,
    waitFor: async (path, check, what = `deliveries to ${path}`) => {
      await eventually(() => check(to(path)), { timeout: 15_000, interval: 50, what })
      return to(path)
    },
    close: () =>
      new Promise((done) => {
        server.closeAllConnections()
        server.close(() => done())
      })
  }
}

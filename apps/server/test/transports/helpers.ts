/**
 * Shared steps of the transport suites: apps, tokens (also expired and forged ones), notify,
 * config files, and a frame recorder that lets a test await frames with a timeout.
 */
import {
  configFile,
  createApp,
  notify,
  request,
  signJwt,
  type TestApp,
  type TestServer,
  userToken
} from "@pushback/testkit"

/** Where a test reaches a server: a node, or a load balancer in front of several. */
export type Endpoint = Pick<TestServer, "url" | "wsUrl">

/** A frame as received, any transport. */
export type Frame = { readonly type: string; readonly [key: string]: unknown }

/** A stream entry frame (has a `seq`). */
export type EntryFrame = Frame & { readonly seq: number }

/** True for frames that carry a `seq`. */
export const isEntry = (f: Frame): f is EntryFrame => typeof f["seq"] === "number"

/** A fresh app on `server`. */
export const newApp = (server: TestServer): Promise<TestApp> =>
  createApp(server, `transports-${Math.random().toString(36).slice(2)}`)

/** Registers `user`, so the backend API can count its sessions. */
export const register = async (server: Endpoint, app: TestApp, user: string) => {
  const res = await request(server.url, "POST", "/v1/users", { token: app.secret, body: { users: [user] } })
  if (res.status !== 200) throw new Error(`register failed: ${res.status} ${res.text}`)
}

/** Registers `user` and mints a token for it. */
export const tokenFor = async (server: Endpoint, app: TestApp, user: string, ttlSeconds?: number) => {
  await register(server, app, user)
  return userToken(server, app, user, ttlSeconds)
}

/** Signs a user token locally (HS256) with any claims, e.g. an already expired one. */
export const signToken = (secret: string, claims: Record<string, unknown>): string => signJwt(claims, secret)

/** A token for `user` that expires `inSeconds` from now (negative: already expired). */
export const tokenExpiringIn = (app: TestApp, user: string, inSeconds: number): string => {
  const now = Math.floor(Date.now() / 1000)
  return signToken(app.secret, { app: app.id, sub: user, iat: now - 60, exp: now + inSeconds })
}

export { notify }

/** `n` notify calls to `user`, one after the other, contents `${prefix}0`…; returns their ids. */
export const notifyMany = async (server: Endpoint, app: TestApp, user: string, n: number, prefix = "n") => {
  const ids: Array<string> = []
  for (let i = 0; i < n; i++)
    ids.push((await notify(server, app, { users: [user], content: `${prefix}${i}` })).id)
  return ids
}

/** The number of live sessions of a registered `user`, as the backend API reports it. */
export const liveSessions = async (server: Endpoint, app: TestApp, user: string): Promise<number> => {
  const res = await request<{ sessions: number }>(server.url, "GET", `/v1/users/${user}`, {
    token: app.secret
  })
  if (res.status !== 200) throw new Error(`user lookup failed: ${res.status} ${res.text}`)
  return res.body.sessions
}

/** Polls `check` until it is true or `timeoutMs` passes. */
export const eventually = async (check: () => Promise<boolean> | boolean, timeoutMs = 5000) => {
  const until = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > until) throw new Error("condition not met in time")
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Writes a JSON config file and returns the `serve` arguments that load it. */
export const configArgs = (config: Record<string, unknown>): Array<string> => ["--config", configFile(config)]

/** Reads one counter from `/metrics`. */
export const metric = async (server: Endpoint, name: string): Promise<number> => {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const line = text.split("\n").find((l) => l.startsWith(`${name} `))
  return line === undefined ? Number.NaN : Number(line.split(" ")[1])
}

/** How a stream ended: a WebSocket close code, an HTTP status, or an `error` frame's code. */
export interface Ending {
  readonly code?: number
  readonly status?: number
  readonly error?: string
}

/**
 * Records frames in order and lets a test await the next ones matching a predicate. A
 * stream that ends fails the waits still pending instead of letting them hang.
 */
export interface Recorder {
  readonly frames: Array<Frame>
  readonly ended: Promise<Ending>
  readonly isEnded: () => boolean
  readonly push: (frame: Frame) => void
  readonly end: (how: Ending) => void
  /** The next frame matching `predicate` after the last one `next` returned. */
  readonly next: (predicate?: (f: Frame) => boolean, timeoutMs?: number) => Promise<Frame>
  /** The first `count` frames matching `predicate`, once that many arrived. */
  readonly collect: (count: number, predicate?: (f: Frame) => boolean, timeoutMs?: number) => Promise<Frame[]>
}

/** A new recorder. */
export const makeRecorder = (): Recorder => {
  const frames: Array<Frame> = []
  const waiters = new Set<() => void>()
  let consumed = 0
  let ending: Ending | undefined
  let resolveEnded: (e: Ending) => void = () => {}
  const ended = new Promise<Ending>((r) => {
    resolveEnded = r
  })
  const wake = () => {
    for (const w of [...waiters]) w()
  }
  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((done, fail) => {
      const attempt = () => {
        const value = check()
        if (value !== undefined) {
          waiters.delete(attempt)
          clearTimeout(timer)
          done(value)
        } else if (ending !== undefined) {
          waiters.delete(attempt)
          clearTimeout(timer)
          fail(
            new Error(`stream ended (${JSON.stringify(ending)}) while waiting for ${what}; frames: ${show()}`)
          )
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(attempt)
        fail(new Error(`timed out waiting for ${what}; frames: ${show()}`))
      }, timeoutMs)
      waiters.add(attempt)
      attempt()
    })
  const show = () => JSON.stringify(frames).slice(0, 2000)
  return {
    frames,
    ended,
    isEnded: () => ending !== undefined,
    push: (frame) => {
      frames.push(frame)
      wake()
    },
    end: (how) => {
      if (ending !== undefined) return
      ending = how
      resolveEnded(how)
      wake()
    },
    next: (predicate = () => true, timeoutMs = 5000) =>
      waitFor(
        () => {
          for (let i = consumed; i < frames.length; i++) {
            const f = frames[i]!
            if (predicate(f)) {
              consumed = i + 1
              return f
            }
          }
          return undefined
        },
        timeoutMs,
        "a matching frame"
      ),
    collect: (count, predicate = () => true, timeoutMs = 5000) =>
      waitFor(
        () => {
          const matching = frames.filter(predicate)
          return matching.length >= count ? matching.slice(0, count) : undefined
        },
        timeoutMs,
        `${count} matching frames`
      )
  }
}

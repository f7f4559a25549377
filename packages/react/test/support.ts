/**
 * What every test here shares: one real PushBack server (the built CLI, on port 0, with a
 * temp SQLite file) and the platform globals the SDK needs outside a browser — `ws` as the
 * WebSocket, Node's `fetch`, and no EventSource, Web Locks or BroadcastChannel, so each
 * client holds its own connection.
 */
import type { Notification, Platform, PushBackOptions } from "@pushback/browser"
import { createApp, request, type TestApp, type TestServer, userToken } from "@pushback/testkit"
import { WebSocket } from "ws"

export const platform: Platform = {
  WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  EventSource: undefined,
  fetch: (input, init) => globalThis.fetch(input, init),
  locks: undefined,
  BroadcastChannel: undefined
}

/** A server, its app, and helpers acting as the app's backend. */
export interface Backend {
  readonly server: TestServer
  readonly app: TestApp
  /** Registers `user` and returns init options for them, with a fresh token. */
  readonly options: (user: string, extra?: Partial<PushBackOptions>) => Promise<PushBackOptions>
  /** Sends one notification to `user`; resolves once it is stored. */
  readonly notify: (user: string, title: string) => Promise<void>
  /** Live sessions of `user`, as the server counts them. */
  readonly sessions: (user: string) => Promise<number>
}

export const backend = async (server: TestServer, name: string): Promise<Backend> => {
  const app = await createApp(server, name)
  return {
    server,
    app,
    options: async (user, extra = {}) => {
      const res = await request(server.url, "POST", "/v1/users", {
        token: app.secret,
        body: { users: [user] }
      })
      if (res.status !== 200) throw new Error(`register: ${res.status} ${res.text}`)
      return {
        url: server.url,
        token: await userToken(server, app, user),
        platform,
        shareConnection: false,
        ...extra
      }
    },
    notify: async (user, title) => {
      const res = await request(server.url, "POST", "/v1/notify", {
        token: app.secret,
        body: { users: [user], title, content: { text: title } }
      })
      if (res.status !== 202) throw new Error(`notify: ${res.status} ${res.text}`)
    },
    sessions: async (user) => {
      const res = await request<{ sessions: number }>(server.url, "GET", `/v1/users/${user}`, {
        token: app.secret
      })
      if (res.status !== 200) throw new Error(`user: ${res.status} ${res.text}`)
      return res.body.sessions
    }
  }
}

/** The notifications of `user` over REST, as the server has them. */
export const listOf = async (b: Backend, user: string): Promise<ReadonlyArray<Notification>> => {
  const res = await request<{ results: Notification[] }>(
    b.server.url,
    "GET",
    `/v1/users/${user}/notifications?limit=100`,
    { token: b.app.secret }
  )
  return res.body.results
}

/**
 * A test file's server in one line: `const server = useServer()` starts a real node in the file's
 * (or the enclosing `describe`'s) `beforeAll` — port 0, a data directory of its own, SQLite, or
 * PostgreSQL when the run's PostgreSQL project says so (database.ts) — and stops it and removes
 * the directory in `afterAll`. The handle answers the running server's URL and admin token and
 * the API steps bound to it, so the file never repeats the set-up block. Tests that need a
 * server of their own (a kill, a clean slate) take one with `await using s = await startServer()`.
 */
import { afterAll, beforeAll } from "vitest"
import type { NotifyResponse, RegisterUsersResponse, UserRef } from "@pushback/protocol/types"
import {
  createApp,
  notify,
  type Reply,
  type RequestOptions,
  registerUsers,
  request,
  type TestApp,
  type UserTokenOptions,
  userToken
} from "./http.js"
import { type StartOptions, startServer, type TestServer } from "./server.js"

/** The file's server, with the API steps bound to it. Read it inside tests and hooks, once started. */
export interface ServerHandle extends TestServer {
  /** Creates an app (named `name`, or a name of its own). */
  readonly newApp: (name?: string) => Promise<TestApp>
  /** Registers `users` of `app`. */
  readonly registerUsers: (app: TestApp, users: ReadonlyArray<UserRef>) => Promise<RegisterUsersResponse>
  /** One notify call with `app`'s secret. */
  readonly notify: (
    app: TestApp,
    body: Record<string, unknown>,
    headers?: Record<string, string>
  ) => Promise<NotifyResponse>
  /** Mints a token for `user` through the API. */
  readonly userToken: (app: TestApp, user: string, options?: UserTokenOptions) => Promise<string>
  /** One request to this server. */
  readonly request: <T = unknown>(method: string, path: string, options?: RequestOptions) => Promise<Reply<T>>
  /** Stops the server and starts it again on the same data directory and port; the handle follows it. */
  readonly restart: () => Promise<ServerHandle>
}

/** Options of `useServer`: those of `startServer`, or a function answering them when the server starts. */
export type UseServerOptions = StartOptions | (() => StartOptions)

/** A handle that follows the server `set` gives it (undefined: none running). */
const serverHandle = (): {
  readonly handle: ServerHandle
  readonly set: (s: TestServer | undefined) => void
} => {
  let current: TestServer | undefined
  const live = (): TestServer => {
    if (current === undefined)
      throw new Error("useServer: the server starts in beforeAll; read it in a test or a hook")
    return current
  }
  const handle: ServerHandle = {
    get url() {
      return live().url
    },
    get wsUrl() {
      return live().wsUrl
    },
    get port() {
      return live().port
    },
    get adminToken() {
      return live().adminToken
    },
    get dataDir() {
      return live().dataDir
    },
    get process() {
      return live().process
    },
    output: () => live().output(),
    stop: () => live().stop(),
    kill: () => live().kill(),
    restart: async () => {
      current = await live().restart()
      return handle
    },
    dispose: async () => {
      const server = current
      current = undefined
      await server?.dispose()
    },
    [Symbol.asyncDispose]: () => handle.dispose(),
    newApp: (name) => createApp(live(), name),
    registerUsers: (app, users) => registerUsers(live(), app, users),
    notify: (app, body, headers) => notify(live(), app, body, headers),
    userToken: (app, user, tokenOptions) => userToken(live(), app, user, tokenOptions),
    request: (method, path, requestOptions) => request(live().url, method, path, requestOptions)
  }
  return {
    handle,
    set: (server) => {
      current = server
    }
  }
}

const optionsOf = (options: UseServerOptions): StartOptions =>
  typeof options === "function" ? options() : options

/** A server started before the file's (or the `describe`'s) tests and disposed of after them. */
export const useServer = (options: UseServerOptions = {}): ServerHandle => useServers(options)[0]

/**
 * Several servers of one file (e.g. one with default limits and one with small ones), started
 * together in one `beforeAll` and disposed of in `afterAll`.
 */
export const useServers = <const O extends ReadonlyArray<UseServerOptions>>(
  ...options: O
): { readonly [K in keyof O]: ServerHandle } => {
  const handles = options.map(() => serverHandle())
  beforeAll(async () => {
    const started = await Promise.allSettled(options.map((o) => startServer(optionsOf(o))))
    for (const [i, s] of started.entries()) handles[i]!.set(s.status === "fulfilled" ? s.value : undefined)
    const failed = started.find((s) => s.status === "rejected")
    if (failed !== undefined) throw failed.reason
  })
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.handle.dispose()))
  })
  return handles.map((h) => h.handle) as unknown as { readonly [K in keyof O]: ServerHandle }
}

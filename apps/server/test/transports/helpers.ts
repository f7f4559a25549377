/**
 * Steps the transport suites share on top of the testkit: a run of notify calls, a user's live
 * sessions as the backend API counts them, one counter of `/metrics`. Servers, apps, tokens,
 * notify, `eventually` and the frame recorder come from @pushback/testkit.
 */
import { notify, request, type TestApp, type TestServer } from "@pushback/testkit"

/** Where a test reaches a server: a node, or a load balancer in front of several. */
export type Endpoint = Pick<TestServer, "url" | "wsUrl">

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

/** Reads one counter from `/metrics`. */
export const metric = async (server: Endpoint, name: string): Promise<number> => {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const line = text.split("\n").find((l) => l.startsWith(`${name} `))
  return line === undefined ? Number.NaN : Number(line.split(" ")[1])
}

/**
 * The testkit's one `eventually`, named here too for package/packed.test.ts, which imports it
 * from this module (that file is restructured with the slow project; it can import it from
 * @pushback/testkit directly and this line can go).
 */
export { eventually } from "@pushback/testkit"

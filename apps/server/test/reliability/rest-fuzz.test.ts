/**
 * REST fuzz (issue 17): generated requests over every endpoint, body, query and path of the
 * contract — valid, mutated and hostile (arbitraries.ts) — against one real server. For every
 * request: never a 5xx and never a reset or a connection closed without an answer; every 4xx
 * carries the `{"error": …}` body; and a request with a definite error changes nothing: after
 * each refused write the stored state (every list, count and setting a caller can read) equals
 * the state after the last accepted one (a snapshot is ten reads, so that property gets fewer
 * runs). Several thousand runs in CI; `pnpm test:soak` runs 100,000 and 20,000.
 */
import { localToken, nowSeconds, signJwt, type TestApp, useServer } from "@pushback/testkit"
import { FastCheck as fc } from "effect"
import { beforeAll, expect, it } from "vitest"
import { expectErrorShape } from "../http/helpers.js"
import { type FuzzWorld, requestArb } from "./arbitraries.js"
import { report, scaled, tally } from "./support.js"
import { send, type WireRequest } from "./wire.js"
import { stateOf } from "./state.js"

const RUNS = scaled(2000, 100_000)
const STATE_RUNS = scaled(250, 20_000)

const server = useServer()
let app: TestApp
let other: TestApp
let world: FuzzWorld

beforeAll(async () => {
  ;[app, other] = await Promise.all([server.newApp("fuzz"), server.newApp("fuzz-other")])
  const victim = await server.newApp("fuzz-victim")
  await server.registerUsers(app, [{ id: "alice", email: "alice@example.com" }, "bob"])
  await server.registerUsers(other, ["carol"])
  const ids: Array<string> = []
  for (const content of ["one", "two", { nested: [1, 2] }])
    ids.push((await server.notify(app, { users: ["alice"], content })).id)
  await server.notify(other, { users: ["carol"], content: "carol's" })
  const list = async (a: TestApp, user: string) =>
    (await fetch(`${server.url}/v1/me/notifications?limit=100`, {
      headers: { authorization: `Bearer ${localToken(a, user, 86_400)}` }
    }).then((r) => r.json())) as { results: Array<{ id: string }> }
  const notifications = [...(await list(app, "alice")).results, ...(await list(other, "carol")).results].map(
    (n) => n.id
  )
  const iat = nowSeconds() - 7200
  world = {
    admin: server.adminToken,
    secret: app.secret,
    otherSecret: other.secret,
    userToken: localToken(app, "alice", 86_400),
    otherUserToken: localToken(other, "carol", 86_400),
    expiredToken: signJwt({ app: app.id, sub: "alice", iat, exp: iat + 60 }, app.secret),
    users: ["alice", "bob", "carol", "nobody"],
    notifications: [...notifications, ids[0]!.replace(/.$/, "0")],
    victimApp: victim.id,
    types: ["like", "comment"],
    app: app.id,
    calls: [...ids, ids[0]!.replace(/.$/, "0")]
  }
})

/** Sends one generated request and checks what every answer must be; returns its status. */
const answerOf = async (
  req: WireRequest,
  outcomes: ReturnType<typeof tally>
): Promise<number | undefined> => {
  const answer = await send(server.port, req)
  if (answer.kind !== "answer" || Number.isNaN(answer.status)) {
    // A body cut short may leave no one to answer; everything else must be answered.
    expect(req.framing, `${answer.kind} (${answer.kind !== "answer" ? answer.detail : ""})`).toBe("truncated")
    outcomes.add("cut short")
    return undefined
  }
  outcomes.add(String(answer.status))
  const said = () =>
    `${answer.text} to ${req.body?.toString("utf8").slice(0, 2000)}; the server said: ${server.output().slice(-1500)}`
  expect(answer.status, said()).toBeLessThan(500)
  if (answer.status >= 400 && req.method !== "HEAD") {
    expectErrorShape({
      status: answer.status,
      headers: answer.headers,
      text: answer.text,
      body: parse(answer.text)
    })
  }
  return answer.status
}

const writes = (req: WireRequest) => !["GET", "HEAD", "OPTIONS"].includes(req.method)

it(
  `answers ${RUNS} generated requests: never a 5xx or a reset, every error with the error body`,
  async () => {
    const outcomes = tally()
    await fc.assert(
      fc.asyncProperty(requestArb(world), async (req) => {
        await answerOf(req, outcomes)
      }),
      { numRuns: RUNS, endOnFailure: true }
    )
    expect((await fetch(`${server.url}/v1/status/ping`)).status).toBe(200)
    expect(server.output()).not.toMatch(/internal error/)
    report("REST fuzz: answers", { runs: RUNS, ...outcomes.counts })
  },
  scaled(120_000, 7_200_000)
)

it(
  `changes nothing on any of ${STATE_RUNS} generated writes that is refused`,
  async () => {
    const outcomes = tally()
    let checked = 0
    let baseline = await stateOf(server, app, other)
    await fc.assert(
      fc.asyncProperty(requestArb(world).filter(writes), async (req) => {
        const status = await answerOf(req, outcomes)
        if (status === undefined || status < 400) {
          baseline = await stateOf(server, app, other)
          return
        }
        const after = await stateOf(server, app, other)
        const changed = (Object.keys(after) as Array<keyof typeof after>).filter(
          (k) => JSON.stringify(after[k]) !== JSON.stringify(baseline[k])
        )
        const show = (k: keyof typeof after) =>
          `${k}: ${JSON.stringify(baseline[k]).slice(0, 300)} → ${JSON.stringify(after[k]).slice(0, 300)}`
        expect(changed, `a ${status} changed stored data: ${changed.map(show).join("; ")}`).toEqual([])
        checked++
      }),
      { numRuns: STATE_RUNS, endOnFailure: true }
    )
    expect(server.output()).not.toMatch(/internal error/)
    report("REST fuzz: refusals change nothing", {
      runs: STATE_RUNS,
      refusedAndChecked: checked,
      ...outcomes.counts
    })
  },
  scaled(120_000, 7_200_000)
)

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

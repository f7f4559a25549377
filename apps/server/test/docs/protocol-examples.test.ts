/**
 * docs/protocol.md shows what the wire carries; this keeps it true. Every ```json block names
 * the schema of @pushback/protocol it is an example of (```json NotifyResponse) and must decode
 * with it, one value per block or one per line; every SSE `data:` line is a ServerFrame of its
 * `event:` with its `id:`. And the ids in the examples have the form the real server gives: the
 * docs used to show `ntf_…` for a notify call (the server says `call_…`) and `ses_…` for a
 * session (the server gives a UUID).
 */
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as Protocol from "@pushback/protocol"
import { describeParseError } from "@pushback/protocol"
import { request, useServer } from "@pushback/testkit"
import { Either, Schema } from "effect"
import { beforeAll, describe, expect, it } from "vitest"

const doc = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../../docs/protocol.md")
const markdown = readFileSync(doc, "utf8")

/** Every fenced block: its info string (`json NotifyResponse`) and its text. */
const blocks = [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  info: m[1]!.trim(),
  text: m[2]!,
  line: markdown.slice(0, m.index).split("\n").length
}))

/** The values of a JSON block: the whole block, or one value per line. */
const valuesOf = (text: string): Array<unknown> => {
  try {
    return [JSON.parse(text)]
  } catch {
    return text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as unknown)
  }
}

/** A schema exported by @pushback/protocol, by name. */
const schemaNamed = (name: string): Schema.Schema.AnyNoContext | undefined => {
  const value = (Protocol as Record<string, unknown>)[name]
  return Schema.isSchema(value) ? (value as Schema.Schema.AnyNoContext) : undefined
}

const expectDecodes = (name: string, value: unknown, where: string) => {
  const schema = schemaNamed(name)
  expect(schema, `${where}: no schema named ${name} in @pushback/protocol`).toBeDefined()
  const result = Schema.decodeUnknownEither(schema!)(value)
  if (Either.isLeft(result)) {
    const issue = describeParseError(result.left)
    throw new Error(`${where}: not a ${name}: ${issue.field || "(root)"}: ${issue.message}`)
  }
}

/** JSON examples: `[where, schema name, value]`. SSE `data:` lines count as ServerFrames. */
const examples: Array<[string, string, unknown]> = blocks.flatMap((b) => {
  if (b.info.startsWith("json")) {
    const name = b.info.slice("json".length).trim()
    return valuesOf(b.text).map(
      (v, i) => [`docs/protocol.md:${b.line} #${i + 1}`, name, v] as [string, string, unknown]
    )
  }
  return b.text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map(
      (l) =>
        [`docs/protocol.md:${b.line} (SSE)`, "ServerFrame", JSON.parse(l.slice(6))] as [
          string,
          string,
          unknown
        ]
    )
})

describe("every JSON example of docs/protocol.md", () => {
  it("names its schema", () => {
    const bare = blocks.filter((b) => b.info === "json").map((b) => `line ${b.line}`)
    expect(bare, "annotate these blocks: ```json <SchemaName>").toEqual([])
    expect(examples.length).toBeGreaterThan(25)
  })

  it.each(examples)("%s is a %s", (where, name, value) => {
    expectDecodes(name, value, where)
  })

  it("each SSE event is named after its frame's type, with the frame's seq or cursor as id", () => {
    const events = blocks.flatMap((b) => b.text.split("\n\n")).filter((e) => e.includes("\ndata: "))
    expect(events.length).toBeGreaterThan(0)
    for (const event of events) {
      const field = (name: string) => event.match(new RegExp(`^${name}: (.*)$`, "m"))?.[1]
      const frame = JSON.parse(field("data")!) as { type: string; seq?: number; cursor?: number }
      expect(field("event"), event).toBe(frame.type)
      expect(field("id"), event).toBe(String(frame.seq ?? frame.cursor))
    }
  })
})

// ----------------------------------------------------------------------------- ids as given

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The form of an id: "a UUID", or its prefix (`call_…`, `ntf_…`, `app_…`), or "…". */
const formOf = (id: string): string => (UUID.test(id) ? "a UUID" : `${/^([a-z]+_)/.exec(id)?.[1] ?? ""}…`)

/** Keys whose string values are ids chosen by the server. */
const ID_KEYS = new Set(["id", "ids", "session", "secret"])

/** The form of every id in `value`, by path (`results.*.id`, `notification.id`, `ids.*`). */
const idForms = (value: unknown, path: Array<string> = []): Map<string, string> => {
  const forms = new Map<string, string>()
  const visit = (v: unknown, p: Array<string>, key: string | undefined) => {
    if (typeof v === "string" && key !== undefined && ID_KEYS.has(key)) forms.set(p.join("."), formOf(v))
    else if (Array.isArray(v)) for (const item of v) visit(item, [...p, "*"], key)
    else if (typeof v === "object" && v !== null)
      for (const [k, child] of Object.entries(v)) visit(child, [...p, k], k)
  }
  visit(value, path, undefined)
  return forms
}

/** What an example is compared with: its schema, or a frame's schema and type. */
const kindOf = (name: string, value: unknown): string =>
  (name === "ServerFrame" || name === "ClientFrame") && typeof value === "object" && value !== null
    ? `${name}:${(value as { type: string }).type}`
    : name

describe("the ids of the examples have the form of the server's", () => {
  const server = useServer()
  /** Real answers (and frames) by kind. */
  const real = new Map<string, unknown>()

  beforeAll(async () => {
    const created = await request(server.url, "POST", "/v1/apps", {
      token: server.adminToken,
      body: { name: "Acme Web" }
    })
    real.set("CreatedApp", created.body)
    const app = await server.newApp("docs")
    real.set("NotifyResponse", await server.notify(app, { users: ["alice"], content: "hi" }))
    const token = await server.userToken(app, "alice")
    const me = { token }
    const list = await request<{ results: Array<{ id: string }> }>(
      server.url,
      "GET",
      "/v1/me/notifications",
      me
    )
    real.set("NotificationList", list.body)
    const id = list.body.results[0]!.id
    real.set("Notification", (await request(server.url, "GET", `/v1/me/notifications/${id}`, me)).body)
    const welcome = await request<{ frames: Array<unknown> }>(server.url, "GET", `/v1/poll?token=${token}`)
    for (const f of welcome.body.frames) real.set(kindOf("ServerFrame", f), f)
    await request(server.url, "PATCH", "/v1/me/notifications", { token, body: { ids: [id], seen: true } })
    await request(server.url, "PATCH", "/v1/me/notifications", { token, body: { ids: [id], read: true } })
    await request(server.url, "DELETE", `/v1/me/notifications/${id}`, me)
    const entries = await request<{ frames: Array<unknown> }>(
      server.url,
      "GET",
      `/v1/poll?token=${token}&cursor=0`
    )
    real.set("PollResponse", entries.body)
    for (const f of entries.body.frames) real.set(kindOf("ServerFrame", f), f)
    // a client's mark actions carry notification ids
    for (const type of ["seen", "read", "delete"]) real.set(`ClientFrame:${type}`, { type, ids: [id] })
  })

  it.each(examples)("%s (%s)", (where, name, value) => {
    const sample = real.get(kindOf(name, value))
    if (sample === undefined) return // no server-chosen ids in this kind of example
    const theirs = idForms(sample)
    for (const [path, form] of idForms(value)) {
      const actual = theirs.get(path)
      if (actual !== undefined) expect(form, `${where}: ${path} is ${actual} on the server`).toBe(actual)
    }
  })

  it("has a real answer for every example that shows a server-chosen id", () => {
    const unchecked = examples
      .filter(([, name, value]) => idForms(value).size > 0 && !real.has(kindOf(name, value)))
      .map(([where, name]) => `${where} (${name})`)
    expect(unchecked).toEqual([])
  })
})

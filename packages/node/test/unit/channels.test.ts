/**
 * Channel tokens (PROTOCOL.md §12) checked by recomputing their HMAC, and bad channel input
 * refused before anything is sent. Publishing and presence against the real server are in
 * `test/server/channels.test.ts`.
 */
import { createHmac } from "node:crypto"
import { describe, expect, it } from "vitest"
import { PushBack, PushBackError } from "../../src/index.js"
import { SECRET, URL_ } from "./fakeFetch.js"

const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"))
const now = Date.parse("2025-03-04T05:06:07.890Z")
const noFetch = () => Promise.reject(new Error("nothing may be sent"))
const pb = new PushBack({ url: URL_, secret: SECRET, now: () => now, fetch: noFetch })

describe("createChannelToken", () => {
  it("is an HS256 JWT keyed with the whole secret, with app, sub, channel, iat, exp and info", () => {
    const token = pb.createChannelToken("alice", "doc:42", { info: { name: "Alice" }, ttlSeconds: 60 })
    const [header, payload, signature] = token.split(".")
    expect(decode(header!)).toEqual({ alg: "HS256", typ: "JWT" })
    expect(signature).toBe(
      createHmac("sha256", Buffer.from(SECRET, "utf8")).update(`${header}.${payload}`).digest("base64url")
    )
    const iat = Math.floor(now / 1000)
    expect(decode(payload!)).toEqual({
      app: "app_7Hc2k9xY",
      sub: "alice",
      channel: "doc:42",
      iat,
      exp: iat + 60,
      info: { name: "Alice" }
    })
  })

  it("lasts an hour by default and leaves info out when not given", () => {
    const claims = decode(pb.createChannelToken("bo", "lobby").split(".")[1]!)
    expect(claims).not.toHaveProperty("info")
    expect(claims.exp - claims.iat).toBe(3600)
  })

  it("refuses a bad channel name, user or ttl with a 400 naming the field", () => {
    const refused = (f: () => unknown, field: string) => {
      try {
        f()
      } catch (e) {
        expect(e).toBeInstanceOf(PushBackError)
        expect((e as PushBackError).status).toBe(400)
        expect((e as PushBackError).message).toContain(field)
        return
      }
      throw new Error("not refused")
    }
    refused(() => pb.createChannelToken("alice", "doc 42"), "channel")
    refused(() => pb.createChannelToken("alice", "x".repeat(256)), "channel")
    refused(() => pb.createChannelToken("", "doc"), "user")
    refused(() => pb.createChannelToken("alice", "doc", { ttlSeconds: 0 }), "ttlSeconds")
    refused(() => pb.createChannelToken("alice", "doc", { ttlSeconds: 86_401 }), "ttlSeconds")
  })
})

describe("publish and presence input", () => {
  it("a bad channel name is refused before anything is sent", async () => {
    await expect(pb.publish("a/b", { x: 1 })).rejects.toMatchObject({ status: 400, code: "bad_request" })
    await expect(pb.presence("")).rejects.toMatchObject({ status: 400, code: "bad_request" })
    await expect(
      pb.channels.putNamespace("doc", { history: { size: 5000, ttlSeconds: 10 } })
    ).rejects.toMatchObject({
      status: 400
    })
  })
})

describe("createUserToken with channels", () => {
  it("carries the channels claim (names and prefixes), and refuses what is neither", () => {
    const claims = decode(pb.createUserToken("ana", { channels: ["doc:*", "lobby"] }).split(".")[1]!)
    expect(claims.channels).toEqual(["doc:*", "lobby"])
    expect(decode(pb.createUserToken("ana").split(".")[1]!)).not.toHaveProperty("channels")
    for (const channels of [["doc 1"], ["a*b"], Array.from({ length: 101 }, (_, i) => `c${i}`)])
      expect(() => pb.createUserToken("ana", { channels })).toThrow(/channels/)
  })
})

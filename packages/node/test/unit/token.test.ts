/**
 * The app id read from the secret, and user tokens checked by recomputing their HMAC.
 */
import { createHmac } from "node:crypto"
import { describe, expect, it } from "vitest"
import { PushBack } from "../../src/index.js"
import { appIdFromSecret } from "../../src/secret.js"
import { signUserToken } from "../../src/token.js"
import { SECRET, URL_ } from "./fakeFetch.js"

const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"))

describe("app id from the secret", () => {
  it("is the part before the first dot", () => {
    expect(new PushBack({ url: URL_, secret: SECRET }).appId).toBe("app_7Hc2k9xY")
    expect(appIdFromSecret("app_abc.def.ghi")).toBe("app_abc")
  })
})

describe("createUserToken", () => {
  const now = Date.parse("2025-03-04T05:06:07.890Z")
  const pb = new PushBack({ url: URL_, secret: SECRET, now: () => now })

  it("is an HS256 JWT whose signature is the HMAC of the whole secret", () => {
    const token = pb.createUserToken("alice")
    const [header, payload, signature] = token.split(".")
    expect(token.split(".")).toHaveLength(3)
    expect(decode(header!)).toEqual({ alg: "HS256", typ: "JWT" })
    const expected = createHmac("sha256", Buffer.from(SECRET, "utf8"))
      .update(`${header}.${payload}`)
      .digest("base64url")
    expect(signature).toBe(expected)
    // A signature keyed with the app id or the random part alone would not match.
    const wrong = createHmac("sha256", SECRET.split(".")[1]!)
      .update(`${header}.${payload}`)
      .digest("base64url")
    expect(signature).not.toBe(wrong)
  })

  it("carries exactly app, sub, iat and exp, in seconds; 1 h by default", () => {
    const iat = Math.floor(now / 1000)
    const claims = decode(pb.createUserToken("alice").split(".")[1]!)
    expect(claims).toEqual({ app: "app_7Hc2k9xY", sub: "alice", iat, exp: iat + 3600 })
  })

  it("takes a ttl from 1 s to 24 h", () => {
    const iat = Math.floor(now / 1000)
    expect(decode(pb.createUserToken("bob", { ttlSeconds: 60 }).split(".")[1]!).exp).toBe(iat + 60)
    expect(decode(pb.createUserToken("bob", { ttlSeconds: 1 }).split(".")[1]!).exp).toBe(iat + 1)
    expect(decode(pb.createUserToken("bob", { ttlSeconds: 86_400 }).split(".")[1]!).exp).toBe(iat + 86_400)
  })

  it("keeps any user id intact, non-ASCII included", () => {
    const id = "ünïcødé/ユーザー 1"
    expect(decode(pb.createUserToken(id).split(".")[1]!).sub).toBe(id)
  })

  it("signs with a non-ASCII secret as UTF-8 bytes", () => {
    const secret = "app_abcd.clé-ü-0123456789012345678901234567890123"
    // (The client refuses such a secret, which cannot travel in a header; the signer still keys with UTF-8.)
    const token = signUserToken(secret, "alice")
    const [header, payload, signature] = token.split(".")
    const expected = createHmac("sha256", Buffer.from(secret, "utf8"))
      .update(`${header}.${payload}`)
      .digest("base64url")
    expect(signature).toBe(expected)
  })
})

/**
 * Which addresses a webhook may reach (webhooks/targets.ts): every private, loopback, link-local,
 * shared, documentation, multicast and reserved range refused, in IPv4 and IPv6 (an IPv4-mapped
 * address too), public ones accepted; and the URL checks that need no DNS.
 */
import { createServer, get } from "node:http"
import type { AddressInfo } from "node:net"
import { hostname } from "node:os"
import { describe, expect, it } from "vitest"
import { isPrivateAddress, makeGuardedLookup, refuseTarget } from "../../src/webhooks/targets.js"

describe("webhook targets", () => {
  it("refuses non-public addresses and accepts public ones", () => {
    const refused = [
      "127.0.0.1",
      "127.255.0.9",
      "10.0.0.1",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "192.0.2.10",
      "198.18.0.1",
      "::1",
      "::",
      "::ffff:127.0.0.1",
      "fe80::1",
      "fc00::1",
      "fd12:3456::1",
      "ff02::1",
      "2001:db8::1",
      "64:ff9b::7f00:1",
      "not an address"
    ]
    const accepted = [
      "8.8.8.8",
      "1.1.1.1",
      "172.32.0.1",
      "100.128.0.1",
      "2606:4700:4700::1111",
      "2a00:1450::1"
    ]
    expect(refused.filter((a) => !isPrivateAddress(a))).toEqual([])
    expect(accepted.filter((a) => isPrivateAddress(a))).toEqual([])
  })

  it("checks URLs: scheme, host, literals and loopback names; allowPrivate lets private ones through", async () => {
    expect(await refuseTarget("ftp://example.invalid/", false)).toMatch(/http/)
    expect(await refuseTarget("not a url", false)).toMatch(/absolute/)
    expect(await refuseTarget("http://[::1]:8080/x", false)).toMatch(/not a public address/)
    expect(await refuseTarget("http://2130706433/x", false)).toMatch(/127\.0\.0\.1 is not a public/)
    expect(await refuseTarget("http://0x7f.1/x", false)).toMatch(/127\.0\.0\.1 is not a public/)
    expect(await refuseTarget("http://api.localhost/x", false)).toMatch(/loopback name/)
    expect(await refuseTarget("https://8.8.8.8/hook", false)).toBeUndefined()
    expect(await refuseTarget("http://127.0.0.1:9/x", true)).toBeUndefined()
  })

  it("the connection's lookup connects to an allowed address and refuses a private one (this machine's name)", async () => {
    const server = createServer((_, res) => res.end("ok"))
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
    const url = `http://${hostname()}:${(server.address() as AddressInfo).port}/`
    const fetchWith = (lookup: ReturnType<typeof makeGuardedLookup>) =>
      new Promise<string>((done) => {
        get(url, { lookup }, (res) => done(String(res.statusCode))).on("error", (e) => done(e.name))
      })
    try {
      // Everything allowed: the lookup's answer is used as Node expects (one address, or all).
      expect(await fetchWith(makeGuardedLookup(() => false))).toBe("200")
      expect(await fetchWith(makeGuardedLookup(isPrivateAddress))).toBe("PrivateTargetError")
    } finally {
      server.close()
    }
  })
})

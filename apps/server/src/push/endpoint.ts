/**
 * Which push endpoints a subscription may name (PROTOCOL.md §14): `https:` on a known push
 * service's host (`push.allowedHosts` replaces the list), and never a private, loopback or
 * link-local address unless `push.allowPrivate` is set (tests). Checked when a browser
 * subscribes, so the server never sends a request to a host a user chose. Host names are
 * matched as written (a push service's name is never resolved here); literal addresses and
 * `localhost` are checked against the address ranges.
 */
import { BlockList, isIP } from "node:net"
import type { PushSettings } from "../config/Config.js"

/** Addresses no push service lives on: private, loopback, link-local, unspecified, and the like. */
const PRIVATE = new BlockList()
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4]
] as const)
  PRIVATE.addSubnet(net, bits, "ipv4")
for (const [net, bits] of [
  ["::", 127],
  ["::ffff:0:0", 96],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8]
] as const)
  PRIVATE.addSubnet(net, bits, "ipv6")

/** Whether `host` (a URL's hostname) is a private, loopback or link-local address or name. */
export const isPrivateHost = (host: string): boolean => {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase()
  if (bare === "localhost" || bare.endsWith(".localhost")) return true
  const family = isIP(bare)
  if (family === 0) return false
  if (family === 6 && bare.startsWith("::ffff:")) {
    const v4 = bare.slice(7)
    if (isIP(v4) === 4) return PRIVATE.check(v4, "ipv4")
  }
  return PRIVATE.check(bare, family === 4 ? "ipv4" : "ipv6")
}

/** Whether `host` matches a pattern: `*.example.com` any subdomain of it, else that very host. */
const matches = (host: string, pattern: string): boolean => {
  const p = pattern.toLowerCase()
  return p.startsWith("*.") ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p
}

/** Why an endpoint is refused, or undefined when it is acceptable. */
export const endpointProblem = (endpoint: string, settings: PushSettings): string | undefined => {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return "endpoint: must be a URL"
  }
  if (url.protocol !== "https:") return "endpoint: must be an https: URL"
  if (url.username !== "" || url.password !== "") return "endpoint: must not carry a user name or password"
  const host = url.hostname.toLowerCase()
  if (!settings.allowPrivate && isPrivateHost(host))
    return "endpoint: a private, loopback or link-local address is not a push service"
  const bare = host.replace(/^\[|\]$/g, "")
  if (!settings.allowedHosts.some((p) => matches(bare, p)))
    return `endpoint: ${bare} is not a known push service (push.allowedHosts)`
  return undefined
}

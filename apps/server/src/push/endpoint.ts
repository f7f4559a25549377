/**
 * Which push endpoints a subscription may name (PROTOCOL.md §14): `https:` on a known push
 * service's host (`push.allowedHosts` replaces the list), and never a private, loopback or
 * link-local address unless `push.allowPrivate` is set (tests). Checked when a browser
 * subscribes, so the server never sends a request to a host a user chose. Host names are
 * matched as written (a push service's name is never resolved here); literal addresses and
 * `localhost` are checked against the address ranges.
 */
import { isIP } from "node:net"
import type { PushSettings } from "../config/Config.js"
import { isPrivateAddress } from "../webhooks/targets.js"

/** Whether `host` (a URL's hostname) is a private, loopback or link-local address or name. */
export const isPrivateHost = (host: string): boolean => {
  // A fully qualified name's trailing dot (`localhost.`) names the same host.
  const bare = host
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase()
  if (bare === "localhost" || bare.endsWith(".localhost")) return true
  return isIP(bare) !== 0 && isPrivateAddress(bare)
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

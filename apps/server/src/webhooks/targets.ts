/**
 * Where a webhook may be sent (PROTOCOL.md §15): `http(s)` on a public address. Private,
 * loopback, link-local, shared, documentation, multicast and reserved ranges are refused unless
 * `webhooks.allowPrivate` is set — at creation (an IP literal, `localhost`, or a name that
 * resolves to such an address) and again at send time on the address actually connected to
 * (`guardedLookup`, the connection's own DNS lookup), so a name that changes its answer after
 * creation (DNS rebinding) is still refused.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns"
import { BlockList, isIP, type LookupFunction } from "node:net"

/** Ranges no webhook may reach unless private targets are allowed. */
const blocked = new BlockList()
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4]
] as const)
  blocked.addSubnet(net, prefix, "ipv4")
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8]
] as const)
  blocked.addSubnet(net, prefix, "ipv6")
// No rule for IPv4-mapped IPv6 (::ffff:0:0/96): BlockList checks a mapped address against the
// IPv4 rules, and checks every IPv4 address against that IPv6 rule (it would refuse them all).

/** Whether `address` (an IP) is private, loopback, link-local or otherwise not public. */
export const isPrivateAddress = (address: string): boolean => {
  const family = isIP(address)
  if (family === 0) return true
  return blocked.check(address, family === 4 ? "ipv4" : "ipv6")
}

/** A URL's host without IPv6 brackets. */
const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, "$1")

/** Names that are loopback whatever DNS says (RFC 6761). */
const isLocalName = (host: string): boolean => {
  const h = host.toLowerCase().replace(/\.$/, "")
  return h === "localhost" || h.endsWith(".localhost")
}

/** Resolves `host` (every address), or undefined when it does not resolve within `ms`. */
const resolveAll = (host: string, ms: number): Promise<Array<LookupAddress> | undefined> =>
  new Promise((done) => {
    const timer = setTimeout(() => done(undefined), ms)
    dnsLookup(host, { all: true }, (error, addresses) => {
      clearTimeout(timer)
      done(error === null ? addresses : undefined)
    })
  })

/**
 * Why `text` is not a webhook target, or undefined when it is: not an http(s) URL, or (unless
 * `allowPrivate`) a host that is or resolves to a private address. A name that does not resolve
 * now is accepted: the send-time check refuses it if it later resolves to a private address.
 */
export const refuseTarget = async (text: string, allowPrivate: boolean): Promise<string | undefined> => {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return "must be an absolute http:// or https:// URL"
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http:// or https:// URL"
  if (url.hostname === "") return "must name a host"
  if (allowPrivate) return undefined
  const host = hostOf(url)
  if (isLocalName(host)) return `${host} is a loopback name; webhooks go to public addresses`
  if (isIP(host) !== 0) {
    return isPrivateAddress(host)
      ? `${host} is not a public address; webhooks go to public addresses`
      : undefined
  }
  const addresses = await resolveAll(host, 3000)
  const bad = addresses?.find((a) => isPrivateAddress(a.address))
  return bad === undefined
    ? undefined
    : `${host} resolves to ${bad.address}, not a public address; webhooks go to public addresses`
}

/** Thrown (as the connection's error) when a send would reach a private address. */
export class PrivateTargetError extends Error {
  override readonly name = "PrivateTargetError"
}

/**
 * A DNS lookup for a webhook's connection: as the system's, but failing when an address it
 * answers is `refused` (the check is on the very address connected to).
 */
export const makeGuardedLookup =
  (refused: (address: string) => boolean): LookupFunction =>
  (hostname, options, callback) => {
    if (isLocalName(hostname)) {
      callback(new PrivateTargetError(`${hostname} is a loopback name`), "", 4)
      return
    }
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, "", 4)
      const bad = addresses.find((a) => refused(a.address))
      if (bad !== undefined) {
        return callback(
          new PrivateTargetError(`${hostname} resolves to ${bad.address}, not a public address`),
          "",
          4
        )
      }
      if (options.all === true)
        return (callback as unknown as (e: null, a: Array<LookupAddress>) => void)(null, addresses)
      const first = addresses[0]!
      callback(null, first.address, first.family)
    })
  }

/** The lookup of webhook connections: private addresses refused. */
export const guardedLookup: LookupFunction = makeGuardedLookup(isPrivateAddress)

/** Why a send to `url` is refused before any connection (an IP literal that is private), or undefined. */
export const refuseLiteral = (url: URL): string | undefined => {
  const host = hostOf(url)
  return isIP(host) !== 0 && isPrivateAddress(host) ? `${host} is not a public address` : undefined
}

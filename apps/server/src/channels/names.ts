/**
 * Channel names (PROTOCOL.md §12): what a valid name is, the namespace it belongs to (the part
 * before the first `:`, the default namespace `""` without one), how a namespace is named in a
 * path (`_default` for the empty one), and whether a token's `channels` claim lets its user
 * subscribe (a name, or a prefix ending in `*`).
 */

const NAME = /^[A-Za-z0-9_.:@=-]{1,255}$/
const NAMESPACE = /^[A-Za-z0-9_.@=-]{1,255}$/

/** The path's name for the default namespace. */
export const DEFAULT_NAMESPACE = "_default"

/** Whether `name` is a valid channel name. */
export const isChannelName = (name: string): boolean => NAME.test(name)

/**
 * The namespace of a channel, as stored: the part before the first `:` (`""` without one).
 * `_default:x` is in the default namespace, as `_default` names it in paths.
 */
export const namespaceOf = (channel: string): string => {
  const at = channel.indexOf(":")
  const ns = at < 0 ? "" : channel.slice(0, at)
  return ns === DEFAULT_NAMESPACE ? "" : ns
}

/** A namespace as a path names it → as stored; undefined when it is no namespace name. */
export const namespaceFromPath = (name: string): string | undefined =>
  name === DEFAULT_NAMESPACE ? "" : NAMESPACE.test(name) ? name : undefined

/** A stored namespace as the API shows it. */
export const namespaceToPath = (ns: string): string => (ns === "" ? DEFAULT_NAMESPACE : ns)

/** Whether a `channels` claim (names, or prefixes ending in `*`) covers `channel`. */
export const granted = (grants: ReadonlyArray<string>, channel: string): boolean => {
  for (const grant of grants) {
    if (grant.endsWith("*") ? channel.startsWith(grant.slice(0, -1)) : grant === channel) return true
  }
  return false
}

/** The key of one app's channel in this node's maps. */
export const channelKey = (app: string, channel: string): string => `${app}\n${channel}`

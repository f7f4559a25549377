/**
 * `usePresence`: who is in a channel, live (PROTOCOL.md §12): the members from the `subscribed`
 * frame, then kept by `join` and `leave` (the namespace needs `presence`, and `joinLeave` for the
 * live changes). It subscribes to the channel while mounted, like `useChannel`, and shares the
 * subscription with any `useChannel` of the same name (one subscription per channel and tab).
 */
import type { Member } from "@pushback/browser/channels"
import { useEffect, useState } from "react"
import { type ChannelHookOptions, useChannelOf } from "./useChannel.js"

/** The members of channel `name`, one per user (not per tab), as they change. */
export const usePresence = (name: string, options: ChannelHookOptions = {}): ReadonlyArray<Member> => {
  const channel = useChannelOf(name, options)
  const [members, setMembers] = useState<ReadonlyArray<Member>>([])
  useEffect(() => {
    if (channel === undefined) return
    setMembers(channel.members)
    const offPresence = channel.on("presence", setMembers)
    const off = channel.subscribe(() => {})
    return () => {
      off()
      offPresence()
    }
  }, [channel])
  return members
}

/**
 * An app's live channels (PROTOCOL.md §12), cluster-wide: each active channel with its subscribed
 * sessions and distinct users, filtered by name prefix; choosing one shows who is present (each
 * user with their channel token's `info` and their number of sessions). Read through the
 * operator's `/v1/apps/{id}/channels` and `/v1/apps/{id}/channels/{name}/presence`, polled like
 * the rest of the page, since channels come and go by the second.
 */
import type { ChannelList, ChannelPresence } from "@pushback/protocol/types"
import { useCallback, useState } from "react"
import { api } from "./api.js"
import { usePoll } from "./usePoll.js"

const LIMIT = 100

/** Who is present in one channel. */
const Presence = ({ base, name }: { base: string; name: string }) => {
  const path = `${base}/${encodeURIComponent(name)}/presence`
  const { data, error } = usePoll(useCallback(() => api<ChannelPresence>("GET", path), [path]))
  const users = data?.users ?? []
  return (
    <div className="scroll">
      <table>
        <caption>
          {error !== undefined
            ? `Presence of ${name}: ${error}`
            : `Presence of ${name}: ${users.length} ${users.length === 1 ? "user" : "users"}`}
        </caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Info</th>
            <th scope="col">Sessions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} data-member={u.id}>
              <th scope="row" className="mono">
                {u.id}
              </th>
              <td className="mono">{u.info === null ? "—" : JSON.stringify(u.info)}</td>
              <td>{u.sessions}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** The active channels of `appId`. */
export const Channels = ({ appId }: { appId: string }) => {
  const [prefix, setPrefix] = useState("")
  const [chosen, setChosen] = useState<string | undefined>(undefined)
  const base = `/v1/apps/${encodeURIComponent(appId)}/channels`
  const query = new URLSearchParams({ limit: String(LIMIT) })
  if (prefix !== "") query.set("prefix", prefix)
  const path = `${base}?${query.toString()}`
  const { data } = usePoll(useCallback(() => api<ChannelList>("GET", path), [path]))
  const channels = data?.channels ?? []
  return (
    <section aria-labelledby="channels-title">
      <h2 id="channels-title">Channels</h2>
      <div className="row">
        <label htmlFor="channel-prefix">Names starting with</label>
        <input
          id="channel-prefix"
          type="search"
          maxLength={255}
          value={prefix}
          onChange={(e) => setPrefix(e.target.value)}
        />
      </div>
      <div className="scroll">
        <table>
          <caption>
            {channels.length === 0
              ? "No active channels"
              : `${channels.length}${channels.length === LIMIT ? "+" : ""} active ${channels.length === 1 ? "channel" : "channels"}`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Subscribers</th>
              <th scope="col">Users</th>
              <th scope="col">Presence</th>
            </tr>
          </thead>
          <tbody>
            {channels.map((c) => (
              <tr key={c.name} data-channel={c.name}>
                <th scope="row" className="mono">
                  {c.name}
                </th>
                <td>{c.subscribers.toLocaleString()}</td>
                <td>{c.users.toLocaleString()}</td>
                <td>
                  <button
                    type="button"
                    aria-pressed={chosen === c.name}
                    onClick={() => setChosen(chosen === c.name ? undefined : c.name)}
                  >
                    {chosen === c.name ? "Hide" : "Show"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {chosen === undefined ? null : <Presence base={base} name={chosen} />}
    </section>
  )
}

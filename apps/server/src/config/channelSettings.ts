/**
 * The channels' limits and timings (PROTOCOL.md §12): the `channels` block of the config file
 * over the defaults (settings.ts). Tests shorten the presence heartbeat this way, so a dead node's
 * members are seen to leave in seconds rather than in the 30 s the protocol allows.
 */
import { type ChannelSettings, DefaultChannelSettings } from "./settings.js"
import { ConfigError } from "./values.js"

/** The file's `channels` block over the defaults; each value a positive number. */
export const readChannelSettings = (file: Record<string, unknown>, where: string): ChannelSettings => {
  const given = file["channels"]
  if (given === undefined) return DefaultChannelSettings
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw new ConfigError(`"channels" in ${where}: must be an object`)
  const settings: Record<string, number> = { ...DefaultChannelSettings }
  for (const [key, value] of Object.entries(given)) {
    if (!(key in settings)) throw new ConfigError(`"channels.${key}" in ${where}: unknown setting`)
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
      throw new ConfigError(`"channels.${key}" in ${where}: must be a positive number`)
    settings[key] = value
  }
  return settings as unknown as ChannelSettings
}

/**
 * For the tests that run a node's cluster services in this process against a real Redis (two
 * nodes' Presence or Limits side by side): the configuration they start from, and how many
 * times Redis ran a command, which is what those tests measure.
 */
import { join } from "node:path"
import type { Redis } from "ioredis"
import { loadConfig } from "../../src/config/Config.js"

/** A node's default configuration (its SQLite store is never opened by these tests). */
export const inProcessConfig = () =>
  loadConfig({ db: `sqlite:${join("/tmp", "unused.db")}` }, { PUSHBACK_ADMIN_TOKEN: "t" })

/** How many times Redis ran any of `commands` (lower case) since its statistics were reset. */
export const redisCalls = async (admin: Redis, ...commands: ReadonlyArray<string>): Promise<number> => {
  const info = await admin.info("commandstats")
  let calls = 0
  for (const [, name, n] of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm))
    if (commands.includes(name!)) calls += Number(n)
  return calls
}

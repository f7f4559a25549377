/**
 * Who joins a batch of one endpoint's events (PROTOCOL.md §15 `batch`), decided the same way by
 * both stores' `takeBatch` (webhookSendSql.ts on PostgreSQL, sqliteWebhookWrites.ts on the SQLite
 * writer thread). Plain code with no imports, so the writer thread's bundle stays small.
 */

/**
 * Which of an endpoint's queued events (`rows`, in id order) join a batch: those the leader's
 * worker claimed (`owner`) or that are due and unheld, or only wait for an earlier event of their
 * user — never one of a user an earlier row of which cannot join (per-user order); at most `max`.
 */
export const batchMembers = (
  rows: ReadonlyArray<Record<string, unknown>>,
  owner: string,
  now: string,
  max: number
): Array<string> => {
  const blocked = new Set<string>()
  const ids: Array<string> = []
  for (const r of rows) {
    const user = r["user_id"] === null || r["user_id"] === undefined ? "" : String(r["user_id"])
    const ours = owner !== "" && r["lease_owner"] === owner
    const unheld = r["lease_until"] === null || String(r["lease_until"]) <= now
    const due = String(r["due_at"]) <= now || String(r["last_error"] ?? "").startsWith("waiting for ")
    if (!(ours || (unheld && due)) || blocked.has(user)) {
      blocked.add(user)
      continue
    }
    if (ids.length < max) ids.push(String(r["id"]))
  }
  return ids
}

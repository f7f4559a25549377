/**
 * The rule that makes a stream exactly once (PROTOCOL.md §4, resume and gaps), shared by the
 * browser client, its follower tabs and the Node subscriber: an entry is applied only when its
 * `seq` is the cursor plus one; one at or below the cursor was applied already, and one beyond
 * the next means entries are missing, so the client resumes from its cursor.
 */

/**
 * Where an entry stands against the last `seq` applied (undefined: none yet, so it is the first
 * news): 0 next, 1 old (applied already), 2 a gap. Numbers, not names: the core's size budget.
 */
export type Place = 0 | 1 | 2

/** Where the entry `seq` stands against `cursor`. */
export const place = (cursor: number | undefined, seq: number): Place =>
  cursor === undefined || seq === cursor + 1 ? 0 : seq <= cursor ? 1 : 2

/**
 * What a `--db` URL names, in one place for the config, the store choice and start-up errors:
 * `sqlite:PATH` (one node) or `postgres://…` (one or several nodes), and how to print one
 * without the password it may hold.
 */

/** Whether a database URL names PostgreSQL (`postgres://` or `postgresql://`). */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url)

/** A database URL fit to print: a password in it is replaced by `***`. */
export const shownDatabaseUrl = (url: string): string => url.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, "$1***@")

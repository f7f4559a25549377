/**
 * The user token, shared by the connection and the REST calls: the one given, or one fetched with
 * `getToken` (one call at a time, whoever asks); forgotten when the server refuses it, so that the
 * next use fetches a fresh one.
 */

/** The token source. */
export interface Tokens {
  /** The token, or a fresh one from `getToken`. */
  get(): Promise<string>
  /** The server refused `used` (default: whatever token is held): the next `get` fetches another. */
  forget(used?: string): void
}

/** A token source over `token` and `getToken` (at least one of them). */
export const makeTokens = (
  token: string | undefined,
  getToken: (() => Promise<string>) | undefined
): Tokens => {
  let fetching: Promise<string> | undefined
  return {
    get() {
      if (token !== undefined) return Promise.resolve(token)
      fetching ??= getToken!()
        .then((fresh) => (token = fresh))
        .finally(() => {
          fetching = undefined
        })
      return fetching
    },
    forget(used) {
      if (used === undefined || used === token) token = undefined
    }
  }
}

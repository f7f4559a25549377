/** Types of localApp.js, for the examples written in TypeScript. */

/** Where a server started from the repository root (`pnpm start`) keeps its admin token. */
export declare const ADMIN_TOKEN_FILE: string

/** An example could not get an app: the message says what to do. */
export declare class LocalAppError extends Error {}

/** The app secret for the example `name` (see localApp.js). */
export declare const localAppSecret: (options: {
  readonly PushBack: unknown
  readonly PushBackError: unknown
  readonly url: string
  readonly name: string
  readonly appFile: string
  readonly env?: Readonly<Record<string, string | undefined>>
}) => Promise<string>

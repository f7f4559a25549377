// Types of command.mjs, for the TypeScript tests that import it.
export interface CommandResult {
  readonly status: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly error?: Error
}
export interface CommandOptions {
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  readonly timeoutMs?: number
  readonly input?: string
}
/** `cmd args…` to its end, awaited: spawnSync's answer without blocking the event loop. */
export declare const command: (
  cmd: string,
  args: ReadonlyArray<string>,
  options?: CommandOptions
) => Promise<CommandResult>
/** As `command`, but rejects unless the command exits 0. */
export declare const commandOk: (
  cmd: string,
  args: ReadonlyArray<string>,
  options?: CommandOptions
) => Promise<CommandResult>

/**
 * @pushback/server — run a PushBack node from code (the `pushback` CLI does the same).
 */
export { type ServerConfig, loadConfig } from "./Config.js"
export { type RunningServer, startServer } from "./Server.js"
export { StartupError } from "./StartupError.js"

/**
 * @pushback/server — run a PushBack node from code (the `pushback` CLI does the same).
 */
export { type ServerConfig, loadConfig } from "./config/Config.js"
export { type RunningServer, startServer } from "./node/Server.js"
export { StartupError } from "./config/StartupError.js"

/**
 * Test helpers shared by every suite: start the real, built PushBack server as a child
 * process on a free loopback port with its own SQLite file in a temp dir (or its own PostgreSQL
 * database, see database.ts), and talk to it.
 * Spawning the real CLI (not an in-process copy) is what lets tests SIGKILL and restart it.
 */
export * from "./server.js"
export * from "./database.js"
export * from "./postgres.js"
export * from "./redis.js"
export * from "./nginx.js"
export * from "./net.js"
export * from "./http.js"
export * from "./ws.js"
export * from "./jwt.js"
export * from "./messages.js"

/**
 * Test helpers shared by every suite: start the real, built PushBack server as a child
 * process on a free loopback port with its own SQLite file in a temp dir (or its own PostgreSQL
 * database, see database.ts) — one per test file with `useServer`, several with `useCluster` —
 * and talk to it: the API steps (http.ts), the one token signer (jwt.ts), the one frame recorder
 * every transport's client feeds (frames.ts, ws.ts) and the one `eventually` (wait.ts).
 */
export * from "./server.js"
export * from "./use.js"
export * from "./cluster.js"
export * from "./database.js"
export * from "./postgres.js"
export * from "./redis.js"
export * from "./nginx.js"
export * from "./net.js"
export * from "./http.js"
export * from "./frames.js"
export * from "./ws.js"
export * from "./jwt.js"
export * from "./wait.js"
export * from "./messages.js"

/**
 * The Lua scripts of the Redis channels (redisChannels.ts), each one atomic step: numbering a
 * publication, keeping it and publishing it (so publications reach every node in offset order);
 * reading a channel's position and history; adding and removing a presence member (a join or
 * leave is published when it was its user's first or last member); removing a dead node's
 * members, and long-poll memberships whose lease ran out. Keys are named inside the scripts from
 * the prefix given (one Redis, not a Redis Cluster), as listed in redisChannels.ts.
 */

/** Splits a member entry `app\nchannel\nkey` and removes that member (shared by the scripts below). */
const LEAVE = `
local function split(entry)
  local a = string.find(entry, "\\n", 1, true)
  local b = string.find(entry, "\\n", a + 1, true)
  return string.sub(entry, 1, a - 1), string.sub(entry, a + 1, b - 1), string.sub(entry, b + 1)
end
local function leave(P, pubsub, app, ch, key)
  local base = app .. ":" .. ch
  local mkey, ukey = P .. "ch:p:" .. base, P .. "ch:u:" .. base
  local raw = redis.call("HGET", mkey, key)
  if not raw then return 0 end
  redis.call("HDEL", mkey, key)
  local m = cjson.decode(raw)
  local entry = app .. "\\n" .. ch .. "\\n" .. key
  if m[2] == "" then redis.call("ZREM", P .. "ch:leases", entry) else redis.call("SREM", P .. "ch:n:" .. m[2], entry) end
  local n = redis.call("HINCRBY", ukey, m[1], -1)
  if n <= 0 then
    redis.call("HDEL", ukey, m[1])
    redis.call("PUBLISH", pubsub, cjson.encode({"l", app, ch, m[1], m[3]}))
  end
  if redis.call("HLEN", mkey) == 0 then
    redis.call("DEL", ukey)
    redis.call("ZREM", P .. "ch:a:" .. app, ch)
  end
  return 1
end
`

/**
 * Publish. ARGV: meta, history, idempotency key ("" none), new epoch, position TTL, size, TTL,
 * now (ms), user (JSON), data (JSON), message head, from, pub/sub channel, idempotency TTL.
 * Answers {offset, epoch}.
 */
export const PUBLISH = `
if ARGV[3] ~= "" then
  local prev = redis.call("GET", ARGV[3])
  if prev then
    local c = string.find(prev, ":", 1, true)
    return {string.sub(prev, 1, c - 1), string.sub(prev, c + 1)}
  end
end
local epoch = redis.call("HGET", ARGV[1], "e")
if not epoch then
  epoch = ARGV[4]
  redis.call("HSET", ARGV[1], "e", epoch, "o", 0)
  redis.call("DEL", ARGV[2])
end
local offset = redis.call("HINCRBY", ARGV[1], "o", 1)
redis.call("EXPIRE", ARGV[1], ARGV[5])
local size = tonumber(ARGV[6])
if size > 0 and tonumber(ARGV[7]) > 0 then
  redis.call("RPUSH", ARGV[2], "[" .. offset .. "," .. ARGV[8] .. "," .. ARGV[9] .. "," .. ARGV[10] .. "]")
  redis.call("LTRIM", ARGV[2], -size, -1)
  redis.call("EXPIRE", ARGV[2], ARGV[7])
else
  redis.call("DEL", ARGV[2])
end
if ARGV[3] ~= "" then redis.call("SET", ARGV[3], offset .. ":" .. epoch, "EX", ARGV[14]) end
redis.call("PUBLISH", ARGV[13], ARGV[11] .. epoch .. "\\n" .. offset .. "\\n" .. ARGV[9] .. "\\n" .. ARGV[12] .. "\\n" .. ARGV[10])
return {tostring(offset), epoch}
`

/** Position and history. ARGV: meta, history, new epoch, position TTL. Answers {epoch, offset, entries}. */
export const HISTORY = `
local epoch = redis.call("HGET", ARGV[1], "e")
if not epoch then
  epoch = ARGV[3]
  redis.call("HSET", ARGV[1], "e", epoch, "o", 0)
  redis.call("DEL", ARGV[2])
end
redis.call("EXPIRE", ARGV[1], ARGV[4])
return {epoch, redis.call("HGET", ARGV[1], "o"), redis.call("LRANGE", ARGV[2], 0, -1)}
`

/**
 * Join. ARGV: prefix, pub/sub channel, app, channel, key, user, info ("" none), node ("": a
 * lease), most users, lease expiry (ms) for a lease or now (ms) for a node's member, silent
 * ("1": no join told). Answers 1, or -1 when full. A node's member also lists the node among
 * the beating ones if it is not (it was swept while alive and has not beaten since): so its
 * members still leave when it dies before its next beat.
 */
export const JOIN = `
local P, app, ch, key, user, info, node = ARGV[1], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local base = app .. ":" .. ch
local mkey, ukey = P .. "ch:p:" .. base, P .. "ch:u:" .. base
local entry = app .. "\\n" .. ch .. "\\n" .. key
if redis.call("HEXISTS", mkey, key) == 1 then
  if node == "" then redis.call("ZADD", P .. "ch:leases", ARGV[10], entry) end
  return 1
end
local count = tonumber(redis.call("HGET", ukey, user) or "0")
if count == 0 and redis.call("HLEN", ukey) >= tonumber(ARGV[9]) then return -1 end
redis.call("HSET", mkey, key, cjson.encode({user, node, info}))
redis.call("HINCRBY", ukey, user, 1)
redis.call("ZADD", P .. "ch:a:" .. app, 0, ch)
if node == "" then
  redis.call("ZADD", P .. "ch:leases", ARGV[10], entry)
else
  redis.call("SADD", P .. "ch:n:" .. node, entry)
  redis.call("ZADD", P .. "ch:nodes", "NX", ARGV[10], node)
end
if count == 0 and ARGV[11] ~= "1" then
  redis.call("PUBLISH", ARGV[2], cjson.encode({"j", app, ch, user, info}))
end
return 1
`

/** Leave. ARGV: prefix, pub/sub channel, app, channel, key. */
export const LEAVE_ONE = `${LEAVE}
return leave(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
`

/**
 * A dead (or restarting) node's members leave. ARGV: prefix, pub/sub channel, node, cutoff (ms):
 * nothing is done if the node beat after it (it beat between the check and this step), and
 * "1" to mark the node swept, so that if it was alive after all it writes its members again.
 */
export const SWEEP_NODE = `${LEAVE}
local last = redis.call("ZSCORE", ARGV[1] .. "ch:nodes", ARGV[3])
if last and tonumber(last) > tonumber(ARGV[4]) then return 0 end
if ARGV[5] == "1" then redis.call("SET", ARGV[1] .. "ch:swept:" .. ARGV[3], "1", "EX", 3600) end
local set = ARGV[1] .. "ch:n:" .. ARGV[3]
for _, entry in ipairs(redis.call("SMEMBERS", set)) do
  local app, ch, key = split(entry)
  leave(ARGV[1], ARGV[2], app, ch, key)
end
redis.call("DEL", set)
redis.call("ZREM", ARGV[1] .. "ch:nodes", ARGV[3])
return 1
`

/** Long-poll memberships whose lease ran out leave. ARGV: prefix, pub/sub channel, now (ms). */
export const EXPIRE_LEASES = `${LEAVE}
local due = redis.call("ZRANGEBYSCORE", ARGV[1] .. "ch:leases", "-inf", ARGV[3], "LIMIT", 0, 1000)
for _, entry in ipairs(due) do
  local app, ch, key = split(entry)
  leave(ARGV[1], ARGV[2], app, ch, key)
  redis.call("ZREM", ARGV[1] .. "ch:leases", entry)
end
return #due
`

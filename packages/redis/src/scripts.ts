import { createHash } from 'node:crypto';

/** The value a completed key holds. Owner tokens are UUIDs, so they can never collide with it. */
export const DONE = 'done';

/** A Lua script with its SHA-1, for EVALSHA with an EVAL fallback. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

// Replies are plain integers so that ioredis, node-redis (RESP2 or RESP3) and any proxy agree on them.

/**
 * KEYS[1] the key; ARGV[1] the new owner token; ARGV[2] the lease in ms.
 * Returns 0 claimed, -1 duplicate, -2 in flight with no TTL, or the lease's remaining ms (> 0).
 * One script rather than `SET NX PX` then `GET`/`PTTL`: the answer for a held key needs its value
 * and TTL read atomically with the failed set, and this keeps every claim to one round trip.
 */
export const CLAIM = script(`
local value = redis.call('GET', KEYS[1])
if not value then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 0
end
if value == '${DONE}' then return -1 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then return ttl end
return -2
`);

/**
 * KEYS[1] the key; ARGV[1] the owner token; ARGV[2] retention in ms, or '' to keep it forever.
 * Marks the key done when the token holds it or nobody does (the lease expired or was released
 * and nobody else claimed it since): the handler did succeed, so recording that saves a rerun.
 * Another owner's live lease and an existing done marker are left alone. Returns 1 when written.
 */
export const COMPLETE = script(`
local value = redis.call('GET', KEYS[1])
if value and (value ~= ARGV[1] or value == '${DONE}') then return 0 end
if ARGV[2] == '' then
  redis.call('SET', KEYS[1], '${DONE}')
else
  redis.call('SET', KEYS[1], '${DONE}', 'PX', ARGV[2])
end
return 1
`);

/** KEYS[1] the key; ARGV[1] the owner token. Deletes the key only while that token holds the lease. */
export const RELEASE = script(`
local value = redis.call('GET', KEYS[1])
if value and value == ARGV[1] and value ~= '${DONE}' then
  return redis.call('DEL', KEYS[1])
end
return 0
`);

// The freshness guard (the receiver's `freshness` option). A guarded delivery uses three keys that
// share the freshness key's hash tag (one Cluster slot): the delivery key, the key's watermark (the
// newest handled timestamp in ms) and its holder (the token of the delivery whose handlers run).

/**
 * KEYS[1] the delivery key, KEYS[2] the watermark, KEYS[3] the holder; ARGV[1] the new owner token,
 * ARGV[2] the lease in ms, ARGV[3] the delivery's timestamp in ms.
 * Returns { code, watermark }: code 0 claimed (watermark '' when none), -1 duplicate, -3 stale, -2
 * in flight with no TTL, or the remaining ms (> 0) of the lease that holds the delivery or the key.
 */
export const FRESH_CLAIM = script(`
local value = redis.call('GET', KEYS[1])
if value == '${DONE}' then return {-1, ''} end
if value then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then return {ttl, ''} end
  return {-2, ''}
end
local watermark = redis.call('GET', KEYS[2])
if watermark and tonumber(ARGV[3]) < tonumber(watermark) then return {-3, watermark} end
local held = redis.call('PTTL', KEYS[3])
if held > 0 then return {held, ''} end
if held == -1 then return {-2, ''} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
return {0, watermark or ''}
`);

/**
 * KEYS as FRESH_CLAIM; ARGV[1] the owner token, ARGV[2] retention in ms ('' to keep forever), ARGV[3]
 * the delivery's timestamp in ms. Marks the delivery done as COMPLETE does, frees the holder if the
 * token holds it, and raises the watermark (kept for the retention) when the timestamp is newer.
 * Returns 1 when it raised the watermark.
 */
export const FRESH_COMPLETE = script(`
local value = redis.call('GET', KEYS[1])
if not (value and (value ~= ARGV[1] or value == '${DONE}')) then
  if ARGV[2] == '' then
    redis.call('SET', KEYS[1], '${DONE}')
  else
    redis.call('SET', KEYS[1], '${DONE}', 'PX', ARGV[2])
  end
end
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
local watermark = redis.call('GET', KEYS[2])
if watermark and tonumber(ARGV[3]) <= tonumber(watermark) then return 0 end
if ARGV[2] == '' then
  redis.call('SET', KEYS[2], ARGV[3])
else
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
end
return 1
`);

/** KEYS[1] the delivery key, KEYS[2] the holder; ARGV[1] the owner token. Gives up both leases the token holds. */
export const FRESH_RELEASE = script(`
local value = redis.call('GET', KEYS[1])
if value and value == ARGV[1] and value ~= '${DONE}' then redis.call('DEL', KEYS[1]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return 0
`);

/**
 * The Lua script that records one `/jwks` fetch atomically, keeping readiness bounded in Redis
 * whatever the request rate. Four keys, each with at most `maxRecords` fields or members:
 * `records` (hash, id -> record JSON), `seen` (sorted set, id by last fetch), `owners` (hash,
 * id -> the address that first recorded it) and `counts` (hash, address -> ids it owns).
 *
 * In order: records last seen before `cutoff` are deleted; the fetch is recorded unless its id is
 * new and its address already owns `perAddress` ids; the least recently seen records beyond
 * `maxRecords` are popped and deleted with their owner counts; every key expires `windowMs` after
 * the last write. Returns 1 when the fetch was recorded, 0 when the per-address cap refused it.
 *
 * KEYS: records, seen, owners, counts. ARGV: id, record JSON, at (ms), cutoff (ms), maxRecords,
 * perAddress, address, windowMs.
 */
export const RECORD_SCRIPT = `
local records, seen, owners, counts = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, value, at, cutoff = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local maxRecords, perAddress, address, windowMs = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8]

local function forget(ids)
  for _, gone in ipairs(ids) do
    local owner = redis.call('HGET', owners, gone)
    redis.call('HDEL', records, gone)
    redis.call('HDEL', owners, gone)
    redis.call('ZREM', seen, gone)
    if owner and redis.call('HINCRBY', counts, owner, -1) <= 0 then redis.call('HDEL', counts, owner) end
  end
end

forget(redis.call('ZRANGEBYSCORE', seen, '-inf', '(' .. cutoff))

local recorded = 0
local known = redis.call('ZSCORE', seen, id)
if known or tonumber(redis.call('HGET', counts, address) or '0') < perAddress then
  if not known then
    redis.call('HSET', owners, id, address)
    redis.call('HINCRBY', counts, address, 1)
  end
  redis.call('HSET', records, id, value)
  redis.call('ZADD', seen, at, id)
  recorded = 1
end

local over = redis.call('ZCARD', seen) - maxRecords
if over > 0 then
  local popped = redis.call('ZPOPMIN', seen, over)
  local ids = {}
  for i = 1, #popped, 2 do ids[#ids + 1] = popped[i] end
  forget(ids)
end

for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, windowMs) end
return recorded
`;

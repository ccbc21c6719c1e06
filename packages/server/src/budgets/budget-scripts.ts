import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The Lua scripts behind the shared budget counts (RedisBudgetTracker). Each runs atomically in Redis, which is
 * what makes the counts exact across replicas: no two admissions interleave between the check and the reservation.
 *
 * A budget's keys (one hash tag, so one slot):
 *   state         hash: the window (wkey, wstart, wend, resets), stored / scalls (the store's answer at the last
 *                 load), committed / ccalls (commits since), settled (settled by the proxy, not yet committed),
 *                 loaded (when), and while a load runs lid, lstart, lend, lamount, lcalls (commits meanwhile).
 *   reservations  hash: admission id -> "amount|window key|expires at" for each admitted request not yet settled.
 *   calls         hash: call key -> "s|amount|at|timestamp" (settled, not committed yet) or "c|at" (committed while
 *                 its request was in flight, not settled yet), so that each call is counted once.
 */

const SPLIT = `
local function split(s)
  local out = {}
  for part in string.gmatch(s .. '|', '([^|]*)|') do out[#out + 1] = part end
  return out
end
`;

/**
 * KEYS: state, reservations of each budget the request falls in. ARGV: admission id, now, reservation expiry, then
 * per budget: limit, '1' when it counts calls, '1' when its window is rolling.
 * Returns {'0'} when admitted (reserved in every budget), else {index of the refusing budget, used, in flight}.
 */
export const ADMIT = `${SPLIT}
local now = tonumber(ARGV[2])
local n = #KEYS / 2
local estimates, wkeys = {}, {}
for i = 1, n do
  local state, res = KEYS[2 * i - 1], KEYS[2 * i]
  local limit = tonumber(ARGV[1 + 3 * i])
  local per_call, rolling = ARGV[2 + 3 * i] == '1', ARGV[3 + 3 * i] == '1'
  local f = redis.call('HMGET', state, 'stored', 'committed', 'settled', 'scalls', 'ccalls', 'wkey')
  local stored, committed = tonumber(f[1] or '0'), tonumber(f[2] or '0')
  local used = stored + committed + tonumber(f[3] or '0')
  local calls = tonumber(f[4] or '0') + tonumber(f[5] or '0')
  local wkey = f[6] or ''
  local inflight = 0
  local held = redis.call('HGETALL', res)
  for j = 1, #held, 2 do
    local r = split(held[j + 1])
    if tonumber(r[3]) <= now then
      redis.call('HDEL', res, held[j])
    elseif rolling or r[2] == wkey then
      inflight = inflight + tonumber(r[1])
    end
  end
  if used + inflight >= limit then return {tostring(i), tostring(used), tostring(inflight)} end
  if per_call then estimates[i] = 1 elseif calls > 0 then estimates[i] = (stored + committed) / calls else estimates[i] = 0 end
  wkeys[i] = wkey
end
for i = 1, n do
  redis.call('HSET', KEYS[2 * i], ARGV[1], tostring(estimates[i]) .. '|' .. wkeys[i] .. '|' .. ARGV[3])
end
return {'0'}
`;

/**
 * KEYS: state, calls, reservations. ARGV: admission id, now, call key ('' when no call was recorded), its
 * timestamp, its amount. Releases the reservation and counts the call unless its commit already did.
 * Returns 1 when the usage changed.
 */
export const SETTLE = `
redis.call('HDEL', KEYS[3], ARGV[1])
if ARGV[3] == '' then return 0 end
local f = redis.call('HMGET', KEYS[1], 'wstart', 'wend')
local wstart, wend, ts = tonumber(f[1] or ''), tonumber(f[2] or ''), tonumber(ARGV[4])
if not wstart or ts < wstart or ts >= wend then return 0 end
local v = redis.call('HGET', KEYS[2], ARGV[3])
if v then
  if string.sub(v, 1, 1) == 'c' then redis.call('HDEL', KEYS[2], ARGV[3]) end
  return 0
end
redis.call('HSET', KEYS[2], ARGV[3], 's|' .. ARGV[5] .. '|' .. ARGV[2] .. '|' .. ARGV[4])
redis.call('HINCRBYFLOAT', KEYS[1], 'settled', ARGV[5])
return 1
`;

/**
 * KEYS: state, calls, reservations. ARGV: now, then for each committed call: its key, timestamp, amount.
 * Returns 1 when the usage changed, 0 when not, -1 when the budget was never loaded (nothing to move on).
 */
export const COMMIT = `${SPLIT}
local f = redis.call('HMGET', KEYS[1], 'wstart', 'wend', 'lid', 'lstart', 'lend')
local wstart, wend = tonumber(f[1] or ''), tonumber(f[2] or '')
local lstart, lend = tonumber(f[4] or ''), tonumber(f[5] or '')
local loading = f[3] and lstart
local holding = redis.call('HLEN', KEYS[3]) > 0
local changed = 0
for i = 2, #ARGV, 3 do
  local key, ts, amount = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  if loading and ts >= lstart and ts < lend then
    redis.call('HINCRBYFLOAT', KEYS[1], 'lamount', amount)
    redis.call('HINCRBY', KEYS[1], 'lcalls', 1)
  end
  if wstart and ts >= wstart and ts < wend then
    redis.call('HINCRBYFLOAT', KEYS[1], 'committed', amount)
    redis.call('HINCRBY', KEYS[1], 'ccalls', 1)
    changed = 1
    local v = redis.call('HGET', KEYS[2], key)
    if v and string.sub(v, 1, 1) == 's' then
      redis.call('HDEL', KEYS[2], key)
      redis.call('HINCRBYFLOAT', KEYS[1], 'settled', tostring(-tonumber(split(v)[2])))
    elseif holding then
      redis.call('HSET', KEYS[2], key, 'c|' .. ARGV[1])
    end
  end
end
if not wstart and not loading then return -1 end
return changed
`;

/** KEYS: state. ARGV: load id, window start, window end. From here on commits into that window are noted. */
export const LOAD_BEGIN = `
redis.call('HSET', KEYS[1], 'lid', ARGV[1], 'lstart', ARGV[2], 'lend', ARGV[3], 'lamount', '0', 'lcalls', '0')
return 1
`;

/**
 * KEYS: state, calls, reservations. ARGV: load id, '1' on the last try, window key, start, end, resets at ('' for a
 * rolling window), the store's amount and calls, now, how long call keys linger, the keys' time to live.
 * Returns -1 when a newer load took over, the number of calls committed meanwhile when the load should be tried
 * again (their amount may or may not be in the store's answer), else 0: the counts start over from the store's.
 * On the last try, calls committed meanwhile are added: at worst counted twice until the next load, so that a hard
 * budget errs on the side of refusing.
 */
export const LOAD_FINISH = `${SPLIT}
local f = redis.call('HMGET', KEYS[1], 'lid', 'lamount', 'lcalls')
if f[1] ~= ARGV[1] then return -1 end
local during = tonumber(f[3] or '0')
if during > 0 and ARGV[2] == '0' then return during end
local now, linger = tonumber(ARGV[9]), tonumber(ARGV[10])
local wstart, wend = tonumber(ARGV[4]), tonumber(ARGV[5])
local settled = 0
local entries = redis.call('HGETALL', KEYS[2])
for i = 1, #entries, 2 do
  local e = split(entries[i + 1])
  local at = tonumber(e[1] == 's' and e[3] or e[2])
  if now - at > linger then
    redis.call('HDEL', KEYS[2], entries[i])
  elseif e[1] == 's' and tonumber(e[4]) >= wstart and tonumber(e[4]) < wend then
    settled = settled + tonumber(e[2])
  end
end
redis.call('HSET', KEYS[1], 'wkey', ARGV[3], 'wstart', ARGV[4], 'wend', ARGV[5], 'resets', ARGV[6],
  'stored', tostring(tonumber(ARGV[7]) + tonumber(f[2] or '0')), 'scalls', tostring(tonumber(ARGV[8]) + during),
  'committed', '0', 'ccalls', '0', 'settled', tostring(settled), 'loaded', ARGV[9])
redis.call('HDEL', KEYS[1], 'lid', 'lstart', 'lend', 'lamount', 'lcalls')
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[11]) end
return 0
`;

const digests = new Map<string, string>();

/** Runs a script by its digest, sending it whole only when this Redis does not know it yet. */
export async function runScript(
  redis: Redis,
  script: string,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  let sha = digests.get(script);
  if (!sha) digests.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (e) {
    if (!String((e as Error).message).startsWith('NOSCRIPT')) throw e;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}

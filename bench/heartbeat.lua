-- wrk script for bench/heartbeat: each connection (one wrk thread each, -t = -c) owns a
-- disjoint set of learners and sends their heartbeats in turn, each with its own sequence.
--
-- Environment (set by bench/heartbeat_run.py):
--   BEAT_DIR          in-<n>.txt per thread: "index token activity_id last_seq" lines;
--                     out-<n>.txt is written there when the thread stops
--   BEAT_SECONDS      after this long, at a response, the thread writes its answers and
--                     stops (no beat is left in flight; wrk's -d is longer). It stops by
--                     sending one last GET /healthz and not waiting for it: gunicorn closes
--                     every connection, wrk reconnects at once, and a connection left open
--                     without a request would hold a sync worker until wrk exits, so the
--                     beats of the threads still running would go unanswered (and be applied
--                     after wrk has gone)
--   BEAT_INTERVAL_MS  0: closed loop (next beat as soon as the answer arrives); otherwise
--                     paced: every learner beats once per interval, the connection's learners
--                     spread evenly over it
--   BEAT_CONNS        connection count (spreads the connections' phases)
-- out-<n>.txt: "index seq beats counted first_send_ms last_recv_ms non200 lost reasons"
-- where reasons is "name=count,...": what the server answered for this learner's beats.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bh_timespec;
int clock_gettime(int clk, bh_timespec *ts);
]]
local ts = ffi.new("bh_timespec")
local function now_ms()
  ffi.C.clock_gettime(0, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads, created = {}, 0
function setup(thread)
  created = created + 1
  thread:set("tid", created)
  threads[#threads + 1] = thread
end

local L = {}          -- this thread's learners
local k = 0           -- requests sent by this connection
local cur, pending    -- learner of the request in flight
local t0, deadline, slot_ms, dir
finished = false    -- global: read by peer_extra through thread:get

function init(args)
  dir = os.getenv("BEAT_DIR")
  for line in io.lines(dir .. "/in-" .. tid .. ".txt") do
    local idx, token, activity, seq = line:match("^(%d+) (%S+) (%d+) (%d+)$")
    L[#L + 1] = {
      idx = idx, seq = tonumber(seq), beats = 0, counted = 0, non200 = 0, lost = 0,
      reasons = {}, first = nil, last = nil,
      path = "/api/v1/activities/" .. activity .. "/heartbeat",
      headers = { ["Authorization"] = "Bearer " .. token,
                  ["Content-Type"] = "application/json" },
    }
  end
  local interval = tonumber(os.getenv("BEAT_INTERVAL_MS") or "0")
  local conns = tonumber(os.getenv("BEAT_CONNS") or "1")
  t0 = now_ms()
  deadline = t0 + 1000 * tonumber(os.getenv("BEAT_SECONDS") or "10")
  if interval > 0 then
    slot_ms = interval / #L
    t0 = t0 + slot_ms * (tid - 1) / conns  -- connections interleave within a slot
  end
end

function delay()
  if not slot_ms or finished then return 0 end
  local wait = t0 + k * slot_ms - now_ms()
  return wait > 0 and math.floor(wait) or 0
end

local verified = false
function request()
  -- wrk calls the first thread's request() once before any connection exists, to check the
  -- script; that request is never sent, so it must not spend a sequence number.
  if tid == 1 and not verified then
    verified = true
    return wrk.format("POST", L[1].path, L[1].headers, '{"seq":0,"visible":true}')
  end
  if finished then  -- the connection wrk just opened gets a request, then the thread stops
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  if pending then pending.lost = pending.lost + 1 end  -- no answer (timeout or reset)
  local l = L[k % #L + 1]
  k = k + 1
  l.seq = l.seq + 1
  l.first = l.first or now_ms()
  cur, pending = l, l
  return wrk.format("POST", l.path, l.headers,
                    '{"seq":' .. l.seq .. ',"visible":true}')
end

local function write_out()
  local f = assert(io.open(dir .. "/out-" .. tid .. ".txt", "w"))
  for _, l in ipairs(L) do
    local rs = {}
    for name, n in pairs(l.reasons) do rs[#rs + 1] = name .. "=" .. n end
    f:write(string.format("%s %d %d %d %.3f %.3f %d %d %s\n", l.idx, l.seq, l.beats, l.counted,
      l.first or 0, l.last or 0, l.non200, l.lost, #rs > 0 and table.concat(rs, ",") or "-"))
  end
  f:close()
end

function response(status, headers, body)
  local l, t = cur, now_ms()
  pending = nil
  l.last = t
  if status == 200 then
    local counted = tonumber(body:match('"counted":%s*(%d+)'))
    local reason = body:match('"reason":%s*"([%w_]+)"') or "unparsed"
    l.beats = l.beats + 1
    l.counted = l.counted + (counted or 0)
    l.reasons[reason] = (l.reasons[reason] or 0) + 1
  else
    l.non200 = l.non200 + 1
  end
  if t >= deadline and not finished then
    finished = true  -- the next request() stops the thread
    write_out()
  end
end

function peer_extra()
  local stopped = 0
  for _, t in ipairs(threads) do
    if t:get("finished") then stopped = stopped + 1 end
  end
  return { threads_finished = stopped, threads_total = #threads }
end

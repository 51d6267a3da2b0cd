-- wrk script for bench/records: each request reads the record of a random cadre.
--
-- Environment: RECORD_USERS  a file of usernames, one a line (bench/records_setup.py sample)
--              RECORD_PATH   the path with %s for the username, e.g. /cadres/%s/record
--              BENCH_COOKIE  "name=value" of a signed-in session (pages), or empty
--              BENCH_TOKEN   an API bearer token (API), or empty
--              BENCH_UA      the User-Agent the session was opened with
-- Any answer other than 200 is counted as `bad` (a redirect to /login would not be an
-- error for wrk).
local threads, created = {}, 0
function setup(thread)
  created = created + 1
  thread:set("tid", created)
  table.insert(threads, thread)
end

local names, template = {}, "/"
function init(args)
  bad = 0
  for line in io.lines(os.getenv("RECORD_USERS")) do
    if line ~= "" then names[#names + 1] = line end
  end
  template = os.getenv("RECORD_PATH")
  local cookie, token = os.getenv("BENCH_COOKIE") or "", os.getenv("BENCH_TOKEN") or ""
  if cookie ~= "" then wrk.headers["Cookie"] = cookie end
  if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
  wrk.headers["User-Agent"] = os.getenv("BENCH_UA") or "bench-records"
  math.randomseed(os.time() * 100 + (tid or 0))
end

function request()
  return wrk.format("GET", string.format(template, names[math.random(#names)]))
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function peer_extra()
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("bad") or 0) end
  return { bad = total }
end

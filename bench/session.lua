-- wrk script for bench/pages: every request carries the signed-in session cookie
-- (env BENCH_COOKIE, "name=value") and the User-Agent the session was opened with
-- (env BENCH_UA; Flask-Login's session protection hashes it). Any answer other than 200
-- (a redirect to /login would not count as an error in wrk) is counted as `bad`.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  bad = 0
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") or ""
  wrk.headers["User-Agent"] = os.getenv("BENCH_UA") or "bench-pages"
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function peer_extra()
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("bad") or 0) end
  return { bad = total }
end

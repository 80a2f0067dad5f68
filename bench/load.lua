-- wrk driver for the benchmarks. BENCH_TARGETS names a Lua file returning a list of
-- { path, token } (one per station or entity); BENCH_MODE picks the request:
--   receipt   POST <path>/receipts, a 2-line cash donation on a random day of 2026
--   tb        GET  <path>/trial-balance?asOf=<random day in BENCH_FROM_YEAR..BENCH_TO_YEAR>
--   statement GET  <path>/accounts/1001/statement?from=<first>&to=<last day of a random month>
--   get       GET  <path> as is (no Authorization header when the token is empty)
-- done() prints one line "BENCH_JSON {...}" with counts and latency percentiles (µs).
local targets = dofile(os.getenv("BENCH_TARGETS"))
local mode = os.getenv("BENCH_MODE") or "receipt"
local from_year = tonumber(os.getenv("BENCH_FROM_YEAR") or "2026")
local to_year = tonumber(os.getenv("BENCH_TO_YEAR") or "2026")
local counter = 0
local thread_id = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

function init(args)
  math.randomseed(os.time() * 100 + (thread_id or 0))
end

local month_days = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }

request = function()
  local t = targets[math.random(#targets)]
  local headers = {}
  if t.token ~= "" then headers["Authorization"] = "Bearer " .. t.token end
  if mode == "receipt" then
    headers["Content-Type"] = "application/json"
    local body = string.format('{"kind":"donation","date":"2026-%02d-%02d","amount":"%d.%02d","method":"cash"}',
      math.random(1, 10), math.random(1, 28), math.random(1, 500), math.random(0, 99))
    return wrk.format("POST", t.path .. "/receipts", headers, body)
  end
  local year = math.random(from_year, to_year)
  local month = math.random(1, 12)
  if mode == "tb" then
    return wrk.format("GET", string.format("%s/trial-balance?asOf=%04d-%02d-%02d", t.path, year, month, math.random(1, 28)), headers)
  elseif mode == "statement" then
    return wrk.format("GET", string.format("%s/accounts/1001/statement?from=%04d-%02d-01&to=%04d-%02d-%02d",
      t.path, year, month, year, month, month_days[month]), headers)
  end
  return wrk.format("GET", t.path, headers)
end

done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end

-- wrk script: GET the pages of BENCH_PATHS (comma-separated) in turn, logged in with the
-- session cookie BENCH_COOKIE ("name=value"); at the end print one JSON line with the
-- request count, errors and latency percentiles (microseconds) for bench/throughput.py.

local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^,]+") do
  table.insert(paths, path)
end
local cookie = os.getenv("BENCH_COOKIE") or ""
local counter = 0

-- Each thread starts at another page, so the mix is the same from the first second.
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

local next_index = nil

request = function()
  if next_index == nil then
    next_index = (offset or 0) % #paths
  end
  next_index = next_index % #paths + 1
  return wrk.format("GET", paths[next_index], { ["Cookie"] = cookie })
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end

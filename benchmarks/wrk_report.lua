-- wrk script for benchmarks/load_http.py.
--
-- init: reads the request list (one request per line: "<path>\t<header>: <value>\t...") that
-- load_http.py wrote, so one run can spread its requests over many people (each with their own
-- token or session cookie and their own need) instead of repeating one person's request.
-- request: hands out the list round-robin.
-- delay: the pause before a connection's next request ("think time", args[2] in ms, spread
-- evenly between half and one and a half times that), or none when it is 0.
-- done: prints one JSON line with the counts and the latency percentiles, in microseconds.

local requests = {}
local next_index = 0
local think_ms = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local fields = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do
      fields[#fields + 1] = field
    end
    local headers = {}
    for n = 2, #fields do
      local name, value = fields[n]:match("^([^:]+):%s*(.*)$")
      if name then
        headers[name] = value
      end
    end
    requests[#requests + 1] = wrk.format("GET", fields[1], headers)
  end
  file:close()
  think_ms = tonumber(args[2] or "0")
  -- Threads start at different places in the list.
  next_index = math.random(0, #requests - 1)
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function delay()
  if think_ms <= 0 then
    return 0
  end
  return math.floor(think_ms * (0.5 + math.random()))
end

function done(summary, latency, _)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "status_errors": %d, "timeouts": %d, "mean_us": %.1f, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency.mean, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max
  ))
end

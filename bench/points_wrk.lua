-- wrk script of bench/points. Arguments (after `--`): MODE TOKEN ARG THREADS
--   grant:     POST /api/points/budgets {key, community_id: ARG, amount: 1, reason}, each
--              request a new key (one posting of one transfer each; 201 expected);
--   vote:      POST /api/points/proposals/{id}/votes {decision: approve}: thread t's k-th
--              request decides proposal ARG + t + k * THREADS (each id once: an award of two
--              transfers each; 200 expected);
--   statement: GET ARG (a statement URL; 200 expected).
-- done() prints one line: BENCH requests=… duration_us=… p50_us=… p99_us=… ok=… other=…
-- other_status=… errors=….
local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  mode, token, arg, nthreads = args[1], args[2], args[3], tonumber(args[4])
  k, ok, other, other_status = 0, 0, 0, 0
  stamp = tostring(os.time()) .. "-" .. tostring(math.random(1000000))
end

function request()
  local headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
  k = k + 1
  if mode == "grant" then
    local body = string.format('{"key":"b%s-%d-%d","community_id":%s,"amount":1,"reason":"压测拨付"}',
      stamp, tid, k, arg)
    return wrk.format("POST", "/api/points/budgets", headers, body)
  elseif mode == "vote" then
    local id = tonumber(arg) + tid + (k - 1) * nthreads
    return wrk.format("POST", "/api/points/proposals/" .. id .. "/votes", headers, '{"decision":"approve"}')
  else
    return wrk.format("GET", arg, {["Authorization"] = "Bearer " .. token})
  end
end

function response(status, headers, body)
  if status == 200 or status == 201 then
    ok = ok + 1
  else
    other = other + 1
    other_status = status
  end
end

function done(summary, latency, requests)
  local n_ok, n_other, last = 0, 0, 0
  for _, t in ipairs(threads) do
    n_ok = n_ok + t:get("ok")
    n_other = n_other + t:get("other")
    if t:get("other") > 0 then last = t:get("other_status") end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%.0f duration_us=%.0f p50_us=%.0f p99_us=%.0f ok=%.0f other=%.0f other_status=%.0f errors=%.0f\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), n_ok, n_other, last,
    e.connect + e.read + e.write + e.timeout))
end

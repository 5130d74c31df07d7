-- wrk script of bench/claims: work-order claims (and creations) with a bearer token per
-- request, counting the answers by status. Arguments (after `--`):
--   MODE FIRST_ID TOKENS_FILE THREADS CONNECTIONS
-- MODE distinct:  thread t's k-th request claims order FIRST_ID + t + k * THREADS: every id
--                 is asked for once, so every answer should be a first claim (200);
--      contended: the k-th request of every thread claims FIRST_ID + floor(k / (CONNECTIONS /
--                 THREADS)): each id is asked for by every connection's turn (CONNECTIONS
--                 times in all, about at once), one wins (200), the others get 409;
--      create:    POST /api/orders {category, description, node_id} (201 each).
-- The tokens (one a line) are dealt out per request, round robin over the thread's share
-- (CONNECTIONS / THREADS of them), so that the CONNECTIONS requests for one id in contended
-- mode come from as many different accounts. wrk calls request() once more per thread than
-- it sends (to check the script): that id is simply never asked for.
-- done() prints one machine-readable line: BENCH … (latency in microseconds), with the
-- answers by status (ok = 200/201, conflict = 409, other) and dup_ids: the ids for which more
-- than one 200 came back (read from the bodies: it must be 0 against mashang).
local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  mode, first, nthreads, nconns = args[1], tonumber(args[2]), tonumber(args[4]), tonumber(args[5])
  tokens = {}
  for line in io.lines(args[3]) do tokens[#tokens + 1] = line end
  share = math.max(1, math.floor(nconns / nthreads))
  k, ok, conflict, other, other_status, max_id = 0, 0, 0, 0, 0, 0
  won = {}  -- order id (from a 200's body) → how many 200s this thread got for it
  create_body = '{"category":"city.litter","description":"楼下垃圾桶满了，请清运","node_id":4}'
end

function request()
  local tok = tokens[((tid * share + k % share) % #tokens) + 1]
  local headers = {["Authorization"] = "Bearer " .. tok}
  local id
  if mode == "distinct" then
    id = first + tid + k * nthreads
  elseif mode == "contended" then
    id = first + math.floor(k / share)
  else
    k = k + 1
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/orders", headers, create_body)
  end
  k = k + 1
  if id > max_id then max_id = id end
  return wrk.format("POST", "/api/orders/" .. id .. "/claim", headers, "")
end

function response(status, headers, body)
  if status == 200 or status == 201 then
    ok = ok + 1
    if status == 200 then
      local id = tonumber(body:match('^{"id":(%d+)'))
      if id then won[id] = (won[id] or 0) + 1 end
    end
  elseif status == 409 then
    conflict = conflict + 1
  else
    other = other + 1
    other_status = status
  end
end

function done(summary, latency, requests)
  local n_ok, n_conflict, n_other, last_other, top = 0, 0, 0, 0, 0
  local wins, dup_ids = {}, 0  -- ids that got more than one 200 (over all threads)
  for _, t in ipairs(threads) do
    for id, n in pairs(t:get("won")) do
      local before = wins[id] or 0
      if before < 2 and before + n >= 2 then dup_ids = dup_ids + 1 end
      wins[id] = before + n
    end
    n_ok = n_ok + t:get("ok")
    n_conflict = n_conflict + t:get("conflict")
    n_other = n_other + t:get("other")
    if t:get("other") > 0 then last_other = t:get("other_status") end
    top = math.max(top, t:get("max_id"))
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%.0f duration_us=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f " ..
    "connect=%.0f read=%.0f write=%.0f status=%.0f timeout=%.0f ok=%.0f conflict=%.0f other=%.0f " ..
    "other_status=%.0f max_id=%.0f dup_ids=%.0f\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout,
    n_ok, n_conflict, n_other, last_other, top, dup_ids))
end

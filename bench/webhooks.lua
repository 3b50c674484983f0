-- Replays a file of pre-generated requests with wrk; used by bench/webhooks.py and
-- bench/lookup.py.
--
--   wrk -t2 -c16 -d60s -s bench/webhooks.lua http://127.0.0.1:PORT -- FILE THREADS MODE
--
-- FILE: one request per line, "METHOD<TAB>PATH<TAB>BODY" (BODY form-encoded or empty).
-- THREADS: wrk's -t, so each thread takes its own share (line i goes to thread i % THREADS).
-- MODE "loop": each thread cycles through its share until -d ends.
-- MODE "once": each thread sends each of its lines exactly once, then stops and prints
--   "THREAD-DONE". While its last answers are outstanding, idle connections send
--   GET /bench/filler/ (a 404, never an event; 404 answers are not counted). wrk's main
--   thread sleeps for the whole -d whatever its threads do: harness.py sends it SIGINT
--   once every thread is done, so the reported duration is the real one.
-- done() prints one line "WRKJSON {...}" that the Python scripts read.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  once = args[3] == "once"
  reqs = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == id then
      local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
      local headers = {}
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      reqs[#reqs + 1] = wrk.format(method, path, headers, body)
    end
    i = i + 1
  end
  filler = wrk.format("GET", "/bench/filler/")
  idx, answered, bad, fillers = 0, 0, 0, 0
end

function request()
  if id == 0 and not verified then
    -- wrk calls thread 0's request() once before the run to count pipelined requests
    -- and discards the result: hand it the first line without using it up.
    verified = true
    return reqs[1]
  end
  idx = idx + 1
  if idx > #reqs then
    if once then
      fillers = fillers + 1
      return filler
    end
    idx = 1
  end
  return reqs[idx]
end

function response(status, headers, body)
  if once and status == 404 then
    return -- a filler
  end
  answered = answered + 1
  if status ~= 200 then
    bad = bad + 1
  end
  if once and answered >= #reqs then
    io.write("THREAD-DONE\n")
    io.stdout:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local answered_all, bad_all, fillers_all = 0, 0, 0
  for _, t in ipairs(threads) do
    answered_all = answered_all + t:get("answered")
    bad_all = bad_all + t:get("bad")
    fillers_all = fillers_all + t:get("fillers")
  end
  io.write(string.format(
    'WRKJSON {"answered": %d, "non200": %d, "fillers": %d, "requests": %d, ' ..
    '"socket_errors": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    answered_all, bad_all, fillers_all, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end

-- wrk script of the usertasks benchmark (bench/run.sh). BENCH_ENDPOINT picks the request; ids are
-- drawn at random for every request from the seeded ranges (BENCH_USERS, BENCH_TASKS).
--   BENCH_ENDPOINT=user wrk -t2 -c64 -d10s --latency -s bench/wrk.lua http://127.0.0.1:PORT
-- Endpoints: user, task, tasks_of_user, users_with_tasks, post_task, patch_task, healthz.
-- done() prints one machine-readable line: "BENCH rps=… p50_ms=… p99_ms=… non2xx=… errors=…".

local endpoint = os.getenv("BENCH_ENDPOINT") or "healthz"
local users = tonumber(os.getenv("BENCH_USERS") or "10000")
local tasks = tonumber(os.getenv("BENCH_TASKS") or "100000")
local json = { ["Content-Type"] = "application/json" }

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  math.randomseed(os.time() * 100 + (thread_number or 0))
end

local builders = {
  user = function()
    return wrk.format("GET", "/users/" .. math.random(users))
  end,
  task = function()
    return wrk.format("GET", "/tasks/" .. math.random(tasks))
  end,
  tasks_of_user = function()
    return wrk.format("GET", "/tasks?user_id=" .. math.random(users) .. "&limit=100")
  end,
  users_with_tasks = function()
    return wrk.format("GET", "/users?include=tasks&limit=50&after=" .. math.random(0, users - 50))
  end,
  post_task = function()
    return wrk.format("POST", "/tasks", json,
      '{"content": "benchmark task", "user_id": ' .. math.random(users) .. '}')
  end,
  patch_task = function()
    return wrk.format("PATCH", "/tasks/" .. math.random(tasks), json,
      '{"content": "updated by the benchmark"}')
  end,
  healthz = function()
    return wrk.format("GET", "/healthz")
  end,
}

local build = builders[endpoint]
if build == nil then
  error("unknown BENCH_ENDPOINT " .. endpoint)
end

function request()
  return build()
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH endpoint=%s requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "non2xx=%d errors=%d\n",
    endpoint, summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end

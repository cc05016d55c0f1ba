-- wrk script of the usertasks benchmark (bench/run.sh). BENCH_ENDPOINT picks the request; ids are
-- drawn at random for every request from the seeded ranges (BENCH_USERS, BENCH_TASKS).
--   BENCH_ENDPOINT=user wrk -t2 -c64 -d10s --latency -s bench/wrk.lua http://127.0.0.1:PORT
-- Endpoints: user, user_tagged, task, tasks_of_tag, tasks_of_user, tasks_newest, tasks_search,
-- users_with_tasks, post_task, post_user (a new email each time), patch_task, healthz.
-- Users 1..BENCH_TAGGED_USERS (0 by default) carry tags on their tasks (task n belongs to user
-- (n - 1) % users + 1): user_tagged draws from them; user, task, tasks_of_user, users_with_tasks
-- and patch_task draw from the other users and their tasks only, so that they read what they read
-- before tags were seeded. tasks_of_tag filters on one name of BENCH_TAGS (comma-separated).
-- tasks_search searches the contents for "number N", N from 100 to 999: the tasks whose number
-- starts with N, 111 of every 100,000 (run.sh seeds "task number 1" … ).
-- done() prints one machine-readable line: "BENCH rps=… p50_ms=… p99_ms=… non2xx=… errors=…".

local endpoint = os.getenv("BENCH_ENDPOINT") or "healthz"
local users = tonumber(os.getenv("BENCH_USERS") or "10000")
local tasks = tonumber(os.getenv("BENCH_TASKS") or "100000")
local tagged = tonumber(os.getenv("BENCH_TAGGED_USERS") or "0")
local tags = {}
for name in string.gmatch(os.getenv("BENCH_TAGS") or "", "[^,]+") do
  tags[#tags + 1] = name
end
local tasks_per_user = math.max(math.floor(tasks / users), 1)
local json = { ["Content-Type"] = "application/json" }

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

-- post_user's emails: unique to each thread of each run.
user_number = 0
email_prefix = ""

function init(args)
  math.randomseed(os.time() * 100 + (thread_number or 0))
  email_prefix = "u" .. os.time() .. "-" .. (thread_number or 0) .. "-" .. math.random(1000000) .. "-"
end

-- A user without tags, and a task of one.
local function untagged_user()
  return math.random(tagged + 1, users)
end
local function untagged_task()
  return math.random(0, tasks_per_user - 1) * users + untagged_user()
end

local builders = {
  user = function()
    return wrk.format("GET", "/users/" .. untagged_user())
  end,
  user_tagged = function()
    return wrk.format("GET", "/users/" .. math.random(tagged))
  end,
  task = function()
    return wrk.format("GET", "/tasks/" .. untagged_task())
  end,
  tasks_of_tag = function()
    return wrk.format("GET", "/tasks?tag=" .. tags[math.random(#tags)] .. "&limit=100")
  end,
  tasks_of_user = function()
    return wrk.format("GET", "/tasks?user_id=" .. untagged_user() .. "&limit=100")
  end,
  tasks_newest = function()
    return wrk.format("GET", "/tasks?sort=-created_at&limit=100")
  end,
  tasks_search = function()
    return wrk.format("GET", "/tasks?q=number%20" .. math.random(100, 999) .. "&limit=100")
  end,
  users_with_tasks = function()
    return wrk.format("GET", "/users?include=tasks&limit=50&after=" ..
      math.random(tagged, users - 50))
  end,
  post_task = function()
    return wrk.format("POST", "/tasks", json,
      '{"content": "benchmark task", "user_id": ' .. math.random(users) .. '}')
  end,
  post_user = function()
    user_number = user_number + 1
    return wrk.format("POST", "/users", json, '{"name": "bench user ' .. user_number ..
      '", "email": "' .. email_prefix .. user_number .. '@bench.example"}')
  end,
  patch_task = function()
    return wrk.format("PATCH", "/tasks/" .. untagged_task(), json,
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
if (endpoint == "user_tagged" and tagged < 1) or (endpoint == "tasks_of_tag" and #tags == 0) then
  error(endpoint .. " needs BENCH_TAGGED_USERS and BENCH_TAGS")
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

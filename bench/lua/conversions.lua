-- POST /conversions with an operator key: a fresh conversion id and a fresh referee (a line of BENCH_REFEREES)
-- each time, so that each conversion qualifies its pending referral. Thread t of BENCH_THREADS takes the
-- referees t, t + BENCH_THREADS, ...; past the end it starts over, and the runner's count of qualified
-- conversions shows it. With BENCH_IDEMPOTENT set, each request carries an Idempotency-Key (its conversion id)
-- and takes its referees from the end of the file, so that C1 and C1k each convert referees of their own.
-- Round BENCH_ROUND of BENCH_ROUNDS takes its referees from that share of its half of the file.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local referees = common.lines(os.getenv("BENCH_REFEREES"))
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")}
local run_tag = os.getenv("BENCH_RUN_TAG")
local stride = tonumber(os.getenv("BENCH_THREADS"))
local idempotent = os.getenv("BENCH_IDEMPOTENT") ~= nil
local rounds = tonumber(os.getenv("BENCH_ROUNDS") or "1")
local share = math.floor(#referees / (2 * rounds))
local first = tonumber(os.getenv("BENCH_ROUND") or "0") * share
local created = 0
local counter = 0

-- thread_number is a global set per thread by setup(): 0, 1, ...
setup = function(thread)
  thread:set("thread_number", created)
  created = created + 1
end

request = function()
  local index = first + (thread_number + counter * stride) % share + 1
  if idempotent then index = #referees + 1 - index end
  counter = counter + 1
  local id = string.format("%s-%d-%d", run_tag, thread_number, counter)
  local body = string.format(
    '{"id": "%s", "user_id": "%s", "type": "purchase", "amount": 4999, "currency": "USD"}', id, referees[index])
  if idempotent then headers["Idempotency-Key"] = id end
  return wrk.format("POST", "/conversions", headers, body)
end

done = function(summary, latency, _) common.summary(summary, latency) end

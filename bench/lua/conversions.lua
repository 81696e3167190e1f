-- POST /conversions with an operator key: a fresh conversion id and a fresh referee (a line of BENCH_REFEREES)
-- each time, so that each conversion qualifies its pending referral. Thread t of BENCH_THREADS takes the
-- referees t, t + BENCH_THREADS, ...; past the end it starts over, and the runner's count of qualified
-- conversions shows it.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local referees = common.lines(os.getenv("BENCH_REFEREES"))
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")}
local run_tag = os.getenv("BENCH_RUN_TAG")
local stride = tonumber(os.getenv("BENCH_THREADS"))
local created = 0
local counter = 0

-- thread_number is a global set per thread by setup(): 0, 1, ...
setup = function(thread)
  thread:set("thread_number", created)
  created = created + 1
end

request = function()
  local index = (thread_number + counter * stride) % #referees + 1
  counter = counter + 1
  local body = string.format(
    '{"id": "%s-%d-%d", "user_id": "%s", "type": "purchase", "amount": 4999, "currency": "USD"}',
    run_tag, thread_number, counter, referees[index])
  return wrk.format("POST", "/conversions", headers, body)
end

done = function(summary, latency, _) common.summary(summary, latency) end

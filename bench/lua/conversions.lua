-- POST /conversions with an API key: a qualifying purchase for a different pending referee each time.
-- Each thread walks its own stride of the referee file, so no referee converts twice in a run.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local referees = common.lines(os.getenv("BENCH_REFEREES"))
local key = common.lines(os.getenv("BENCH_KEY"))[1]
local next_index = 0
local stride = 1

setup = function(thread)
  thread:set("thread_tag", tostring(math.random(1, 1e9)))
  thread_count = (thread_count or 0) + 1
  thread:set("thread_number", thread_count)
end

init = function(_)
  next_index = thread_number or 1
  stride = tonumber(os.getenv("BENCH_THREADS")) or 1
end

request = function()
  local referee = referees[((next_index - 1) % #referees) + 1]
  next_index = next_index + stride
  local body = string.format(
    '{"id": "bench-%s-%d", "user_id": "%s", "type": "purchase", "amount": 5000, "currency": "USD"}',
    thread_tag, next_index, referee)
  return wrk.format("POST", "/conversions",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end

done = function(summary, latency, _) common.summary(summary, latency) end

-- POST /register-with-referral with a fresh email each time and a random live code.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local codes = common.lines(os.getenv("BENCH_CODES"))
local password = os.getenv("BENCH_PASSWORD")
local counter = 0
-- thread_tag is a global set per thread by setup(), so each thread draws different emails.

setup = function(thread)
  thread:set("thread_tag", tostring(math.random(1, 1e9)))
end

init = function(_)
  math.randomseed(os.time() + (tonumber(thread_tag) or 0))
end

request = function()
  counter = counter + 1
  local email = string.format("new-%s-%d-%d@bench.example.com", thread_tag, counter, math.random(1, 1e9))
  local body = string.format('{"email": "%s", "password": "%s", "referral_code": "%s"}',
    email, password, codes[math.random(#codes)])
  return wrk.format("POST", "/register-with-referral", {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, _) common.summary(summary, latency) end

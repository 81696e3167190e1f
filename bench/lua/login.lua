-- POST /auth/login with a random seeded user and the shared password.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local emails = common.lines(os.getenv("BENCH_EMAILS"))
local password = os.getenv("BENCH_PASSWORD")

request = function()
  local body = "username=" .. emails[math.random(#emails)] .. "&password=" .. password
  return wrk.format("POST", "/auth/login", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

done = function(summary, latency, _) common.summary(summary, latency) end

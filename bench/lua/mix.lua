-- 80 % warm lookups, 10 % cold lookups, 8 % authenticated reads, 2 % logins.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local warm = common.lines(os.getenv("BENCH_WARM"))
local cold = common.lines(os.getenv("BENCH_COLD"))
local tokens = common.lines(os.getenv("BENCH_TOKENS"))
local emails = common.lines(os.getenv("BENCH_EMAILS"))
local password = os.getenv("BENCH_PASSWORD")

request = function()
  local roll = math.random(100)
  if roll <= 80 then
    return wrk.format("GET", warm[math.random(#warm)])
  elseif roll <= 90 then
    return wrk.format("GET", cold[math.random(#cold)])
  elseif roll <= 98 then
    return wrk.format("GET", "/users/me", {["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]})
  end
  local body = "username=" .. emails[math.random(#emails)] .. "&password=" .. password
  return wrk.format("POST", "/auth/login", {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

done = function(summary, latency, _) common.summary(summary, latency) end

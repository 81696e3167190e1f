-- GET a random line of BENCH_REQUESTS ("path credential" a line) with its credential as the bearer token:
-- the programme's reads, by a referrer's token or by an operator key.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local requests = {}
for _, line in ipairs(common.lines(os.getenv("BENCH_REQUESTS"))) do
  local path, credential = line:match("^(%S+)%s+(%S+)$")
  requests[#requests + 1] = wrk.format("GET", path, {["Authorization"] = "Bearer " .. credential})
end

request = function() return requests[math.random(#requests)] end

done = function(summary, latency, _) common.summary(summary, latency) end

-- GET a random path from the file named by BENCH_PATHS (one path per line), with optional bearer tokens.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local common = require("common")
local paths = common.lines(os.getenv("BENCH_PATHS"))
local tokens_file = os.getenv("BENCH_TOKENS")
local tokens = tokens_file and common.lines(tokens_file) or nil

request = function()
  local headers = nil
  if tokens then headers = {["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]} end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

done = function(summary, latency, _) common.summary(summary, latency) end

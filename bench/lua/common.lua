-- Shared by every scenario: a file of lines to pick from, and a JSON summary the runner parses.
local common = {}

function common.lines(path)
  local items = {}
  for line in io.lines(path) do
    if line ~= "" then items[#items + 1] = line end
  end
  return items
end

function common.summary(summary, latency)
  local parts = {
    string.format('"requests": %d', summary.requests),
    string.format('"duration_us": %d', summary.duration),
    string.format('"non_2xx": %d', summary.errors.status),
    string.format('"socket_errors": %d', summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout),
  }
  for _, p in ipairs({50, 90, 99}) do
    parts[#parts + 1] = string.format('"p%d_us": %d', p, latency:percentile(p))
  end
  io.write("BENCH-JSON {" .. table.concat(parts, ", ") .. "}\n")
end

return common

-- wrk script: every request claims a User-Agent never seen before, so the
-- site classifies each one afresh (its per-agent caches never help).
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local count = 0

function request()
  count = count + 1
  wrk.headers["User-Agent"] = string.format(
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " ..
    "(KHTML, like Gecko) Chrome/126.%d.%d.0 Safari/537.36", id, count)
  return wrk.format()
end

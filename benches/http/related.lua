-- wrk script: GET /stories/{id}/related over story ids read from a file (one per line),
-- e.g. `storyline batch --index DIR --shard 1/50 | jq -r .id > /tmp/ids.txt`.
-- IDS=/tmp/ids.txt wrk -t2 -c32 -d20s -s benches/http/related.lua http://127.0.0.1:7700
local ids = {}
for line in io.lines(os.getenv("IDS") or "/tmp/ids.txt") do ids[#ids + 1] = line end
local i = 0
request = function()
  i = i % #ids + 1
  return wrk.format("GET", "/stories/" .. ids[i] .. "/related")
end

-- wrk script: GET /search with rotating 1-3 word queries (the issue's load test).
-- wrk -t2 -c32 -d20s -s benches/http/search.lua http://127.0.0.1:7700
local queries = {
  "earthquake", "election results", "syria ceasefire talks", "wildfire california",
  "prime minister resigns", "flood", "nuclear talks", "protest police", "oil prices",
  "hurricane florida",
}
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/search?q=" .. queries[i]:gsub(" ", "+"))
end

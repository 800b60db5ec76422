-- wrk script: unique Evolution `messages.upsert` webhooks (a fresh key.id per request, so JetStream dedupe keeps
-- every one); prints a JSON summary line (answers, 200s, latency percentiles) for run.py.
-- Used by run.py: wrk -t T -c C -d SECONDS -s evolution_webhooks.lua URL -- <secret> <run tag>

local threads = {}
local secret, tag = "", "run"

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  secret = args[1] or secret
  tag = args[2] or tag
  sent, answered, ok = 0, 0, 0
  prefix = string.format("%s%02d", tag, id)
  headers = {["Content-Type"] = "application/json", ["X-Webhook-Secret"] = secret}
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"event":"messages.upsert","instance":"bench","data":{"key":{"remoteJid":"55119%08d@s.whatsapp.net",' ..
    '"fromMe":false,"id":"%s%014d"},"pushName":"Cliente","message":{"conversation":"Oi, tem o tênis azul 42?"},' ..
    '"messageType":"conversation","messageTimestamp":1764530000},"sender":"5511888888888@s.whatsapp.net",' ..
    '"apikey":null}', sent % 100000000, prefix, sent)
  return wrk.format("POST", "/seller-bot/webhook/evolution", headers, body)
end

function response(status, headers, body)
  answered = answered + 1
  if status == 200 then ok = ok + 1 end
end

function done(summary, latency, requests)
  local answered_total, ok_total = 0, 0
  for _, thread in ipairs(threads) do
    answered_total = answered_total + thread:get("answered")
    ok_total = ok_total + thread:get("ok")
  end
  io.write(string.format(
    'WRK_JSON {"answered": %d, "ok": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors": %d}\n',
    answered_total, ok_total, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

#!/usr/bin/python3
"""The few Ironic API calls a freshly booted IPA makes, answered just enough to see each arrive.

check-ipa-ramdisk.sh runs it inside its network namespace, as IPA's `ipa-api-url` and
`ipa-inspection-callback-url`. Every request is one JSON line in --events (time since --t0, method, path,
query, body) and the inspection data IPA posts is kept whole in --inventory:

  GET  /                          the API versions (IPA negotiates its microversion)
  POST /v1/continue_inspection    the inventory -> {"uuid": NODE}
  GET  /v1/lookup?addresses=...   the node, so that IPA goes on to heartbeat
  POST /v1/heartbeat/NODE         202
"""

import argparse
import json
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--listen", required=True, help="ADDRESS:PORT")
p.add_argument("--node", required=True, help="the node UUID lookups return")
p.add_argument("--token", required=True, help="the agent token lookups return")
p.add_argument("--events", required=True)
p.add_argument("--inventory", required=True)
p.add_argument("--t0", type=float, required=True, help="epoch seconds the VM was started (times are relative)")
args = p.parse_args()


def event(method, path, query, body):
    rec = {"t": round(time.time() - args.t0, 1), "method": method, "path": path, "query": query}
    if body is not None:
        rec["body"] = body if len(json.dumps(body)) < 2000 else "(%d bytes)" % len(json.dumps(body))
    with open(args.events, "a") as f:
        f.write(json.dumps(rec) + "\n")


class Handler(BaseHTTPRequestHandler):
    def _answer(self, code, doc):
        data = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw.decode(errors="replace")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        event("GET", url.path, query, None)
        if url.path in ("/", ""):
            v = {"id": "v1", "status": "CURRENT", "version": "1.99", "min_version": "1.1"}
            return self._answer(200, {"default_version": v, "versions": [v], "name": "stub"})
        if url.path == "/v1/lookup":
            node = {"uuid": args.node, "properties": {}, "instance_info": {}, "driver_internal_info": {}}
            config = {"heartbeat_timeout": 30, "agent_token": args.token, "agent_token_required": True}
            return self._answer(200, {"node": node, "config": config})
        return self._answer(404, {"error_message": "not in the stub"})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        body = self._body()
        event("POST", url.path, {}, body)
        if url.path == "/v1/continue_inspection":
            with open(args.inventory, "w") as f:
                json.dump(body, f, indent=1)
            return self._answer(200, {"uuid": args.node})
        if url.path == "/v1/heartbeat/" + args.node:
            return self._answer(202, {})
        return self._answer(404, {"error_message": "not in the stub"})

    def log_message(self, *a):  # the events file is the log
        pass


host, port = args.listen.rsplit(":", 1)
ThreadingHTTPServer((host, int(port)), Handler).serve_forever()

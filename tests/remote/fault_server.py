#!/usr/bin/env python3
"""A loopback HTTP/1.1 file server that injects faults, for transport tests.

    fault_server.py ROOT [--port 0] [--seed 1] [fault flags...]

Serves the files under ROOT read-only with GET and HEAD on 127.0.0.1 (keep-alive, one thread
per connection): single byte ranges (`bytes=a-b`, `bytes=a-`, `bytes=-n`; 416 with
`Content-Range: bytes */size` when the range starts at or past the end), ETag ("<mtime>-<size>"
in hex) and If-None-Match (304). The first line on stdout is `PORT <n>` (flushed), so a
harness can start it with port 0 and read the port it got.

Faults (command-line flags; the same names, with '_' for '-', as JSON keys at run time):
  --error-rate F        a fraction F of requests answer --error-status (default 503)
  --error-every N       every Nth request (counted over all file requests) answers it
  --fail-first N        the first N requests of each path answer it (then the path works)
  --error-status S      the status of injected errors (503, 429, 500...)
  --retry-after S       add `Retry-After: S` (seconds) to injected errors
  --drop-rate F / --drop-every N          close the connection before answering
  --drop-mid-rate F / --drop-mid-every N  send the headers and half the body, then close
  --rst                 drops end with a TCP RST (SO_LINGER 0) instead of a FIN
  --delay-ms MS         wait MS before the status line ...
  --trickle-ms MS       ... and/or pause MS between --trickle-bytes chunks of the body
  --slow-rate F / --slow-every N          which requests are slow (default: all of them)
  --fail-path PATH=STATUS   PATH always answers STATUS (repeatable; JSON: {"fail_paths": {..}})
  --ignore-range        answer every GET with 200 and the whole body
  --no-length           send bodies without Content-Length, ended by closing the connection
  --fault-prefix P      only paths starting with P get random/every-N faults (default "/")
  --record-header NAME  count requests carrying header NAME and keep its last value (repeatable)
Decisions come from one random.Random(seed) and one request counter, under a lock: the same
request order gives the same faults.

Control endpoints (never faulted):
  POST /__faults  JSON object; its keys replace the current settings ({"reset": true} first
                  restores the command line's); answers the settings now in force.
  GET  /__stats   {"requests": n, "paths": {path: n}, "methods": {..}, "statuses": {..},
                   "faults": {"error": n, "fail_first": n, "fail_path": n, "drop": n,
                   "drop_mid": n, "slow": n, "ignore_range": n},
                   "headers": {name: {"count": n, "last": value}}}
  POST /__reset   zeroes the counters (and the per-path --fail-first counts).
Runs under any Python 3.8+ with the standard library only.
"""

import argparse
import copy
import email.utils
import json
import os
import random
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULTS = {
    "error_rate": 0.0,
    "error_every": 0,
    "fail_first": 0,
    "error_status": 503,
    "retry_after": None,
    "drop_rate": 0.0,
    "drop_every": 0,
    "drop_mid_rate": 0.0,
    "drop_mid_every": 0,
    "rst": False,
    "delay_ms": 0,
    "trickle_ms": 0,
    "trickle_bytes": 4096,
    "slow_rate": 1.0,
    "slow_every": 0,
    "fail_paths": {},
    "ignore_range": False,
    "no_length": False,
    "fault_prefix": "/",
    "record_headers": [],
}


class State:
    """Settings, counters and the random source, shared by all handler threads."""

    def __init__(self, root, settings, seed):
        self.root = os.path.realpath(root)
        self.initial = copy.deepcopy(settings)
        self.settings = copy.deepcopy(settings)
        self.seed = seed
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.zero()

    def zero(self):
        self.counter = 0
        self.per_path_first = {}
        self.stats = {
            "requests": 0,
            "paths": {},
            "methods": {},
            "statuses": {},
            "faults": {k: 0 for k in ("error", "fail_first", "fail_path", "drop", "drop_mid",
                                      "slow", "ignore_range")},
            "headers": {},
        }

    def update(self, changes):
        with self.lock:
            if changes.pop("restore", False):
                self.settings = copy.deepcopy(self.initial)
            unknown = [k for k in changes if k not in DEFAULTS and k != "seed"]
            if unknown:
                raise ValueError("unknown fault keys %s (known: %s)" % (unknown, sorted(DEFAULTS)))
            for k, v in changes.items():
                if k == "seed":
                    self.rng = random.Random(v)
                else:
                    self.settings[k] = v
            return copy.deepcopy(self.settings)

    def count(self, table, key):
        self.stats[table][key] = self.stats[table].get(key, 0) + 1

    def decide(self, path, method, headers):
        """Counts the request and picks its faults (a dict), deterministically."""
        with self.lock:
            s = self.settings
            self.stats["requests"] += 1
            self.count("paths", path)
            self.count("methods", method)
            for name in s["record_headers"]:
                value = headers.get(name)
                if value is not None:
                    entry = self.stats["headers"].setdefault(name.lower(), {"count": 0, "last": None})
                    entry["count"] += 1
                    entry["last"] = value
            self.counter += 1
            n = self.counter
            # Always draw the same number of random values per request, so one fault's rate
            # does not shift the others' sequence.
            draws = [self.rng.random() for _ in range(4)]
            d = {"status": None, "drop": False, "drop_mid": False, "slow": False}
            if path in s["fail_paths"]:
                d["status"] = int(s["fail_paths"][path])
                self.stats["faults"]["fail_path"] += 1
                return d
            if not path.startswith(s["fault_prefix"]):
                return d
            seen = self.per_path_first.get(path, 0)
            self.per_path_first[path] = seen + 1
            if seen < int(s["fail_first"]):
                d["status"] = int(s["error_status"])
                self.stats["faults"]["fail_first"] += 1
            elif (s["error_every"] and n % int(s["error_every"]) == 0) or draws[0] < s["error_rate"]:
                d["status"] = int(s["error_status"])
                self.stats["faults"]["error"] += 1
            elif (s["drop_every"] and n % int(s["drop_every"]) == 0) or draws[1] < s["drop_rate"]:
                d["drop"] = True
                self.stats["faults"]["drop"] += 1
            elif ((s["drop_mid_every"] and n % int(s["drop_mid_every"]) == 0)
                  or draws[2] < s["drop_mid_rate"]):
                d["drop_mid"] = True
                self.stats["faults"]["drop_mid"] += 1
            if d["status"] is None and (s["delay_ms"] or s["trickle_ms"]):
                if s["slow_every"]:
                    d["slow"] = n % int(s["slow_every"]) == 0
                else:
                    d["slow"] = draws[3] < s["slow_rate"]
                if d["slow"]:
                    self.stats["faults"]["slow"] += 1
            return d


def parse_range(header, size):
    """(start, end_inclusive) of a single byte range, 'unsatisfiable', or None (ignore it)."""
    if not header or not header.startswith("bytes="):
        return None
    spec = header[len("bytes="):].strip()
    if "," in spec or "-" not in spec:
        return None
    first, last = spec.split("-", 1)
    first, last = first.strip(), last.strip()
    try:
        if first == "":
            n = int(last)
            if n <= 0 or size == 0:
                return "unsatisfiable"
            return (max(0, size - n), size - 1)
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start < 0:
        return None
    if start >= size:
        return "unsatisfiable"
    if end < start:
        return None
    return (start, min(end, size - 1))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "zring-fault-server"

    def log_message(self, fmt, *args):  # quiet: tests read /__stats instead
        pass

    def do_GET(self):
        self.handle_file(head=False)

    def do_HEAD(self):
        self.handle_file(head=True)

    def do_POST(self):
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path == "/__faults":
                changes = json.loads(body or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("expected a JSON object")
                if changes.pop("reset", False):
                    changes["restore"] = True
                self.send_json(200, state.update(changes))
            elif path == "/__reset":
                with state.lock:
                    state.zero()
                self.send_json(200, {"ok": True})
            else:
                self.send_json(404, {"error": "unknown control path " + path})
        except (ValueError, TypeError) as e:
            self.send_json(400, {"error": str(e)})

    def send_json(self, status, obj):
        data = json.dumps(obj, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def drop(self, reset):
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        try:
            self.wfile.flush()
        except OSError:
            pass
        self.connection.close()
        self.close_connection = True

    def send_status_only(self, status, extra=()):
        body = ("%d\n" % status).encode()
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_file(self, head):
        state = self.server.state
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if path == "/__stats":
            with state.lock:
                self.send_json(200, state.stats)
            return
        d = state.decide(path, self.command, self.headers)
        s = state.settings
        if d["drop"]:
            self.drop(s["rst"])
            return
        if d["slow"] and s["delay_ms"]:
            time.sleep(s["delay_ms"] / 1000.0)
        if d["status"] is not None:
            extra = []
            if s["retry_after"] is not None:
                extra.append(("Retry-After", str(s["retry_after"])))
            self.record_status(d["status"])
            self.send_status_only(d["status"], extra)
            return
        full = os.path.realpath(os.path.join(state.root, path.lstrip("/")))
        if full != state.root and not full.startswith(state.root + os.sep):
            self.record_status(403)
            self.send_status_only(403)
            return
        if not os.path.isfile(full):
            self.record_status(404)
            self.send_status_only(404)
            return
        st = os.stat(full)
        size = st.st_size
        etag = '"%x-%x"' % (int(st.st_mtime), size)
        inm = self.headers.get("If-None-Match")
        if inm is not None and (inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")]):
            self.record_status(304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        rng = None
        if not head and not s["ignore_range"]:
            rng = parse_range(self.headers.get("Range"), size)
        elif not head and self.headers.get("Range"):
            with state.lock:
                state.stats["faults"]["ignore_range"] += 1
        if rng == "unsatisfiable":
            self.record_status(416)
            self.send_status_only(416, [("Content-Range", "bytes */%d" % size)])
            return
        start, end = (0, size - 1) if rng is None else rng
        status = 200 if rng is None else 206
        length = max(0, end - start + 1)
        self.record_status(status)
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True))
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        if s["no_length"] and not head:
            # An HTTP/1.0-style body: its end is the connection's end.
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        if head:
            return
        with open(full, "rb") as f:
            f.seek(start)
            data = f.read(length)
        if d["drop_mid"]:
            self.wfile.write(data[: len(data) // 2])
            self.drop(s["rst"])
            return
        if d["slow"] and s["trickle_ms"]:
            step = max(1, int(s["trickle_bytes"]))
            for i in range(0, len(data), step):
                self.wfile.write(data[i:i + step])
                self.wfile.flush()
                time.sleep(s["trickle_ms"] / 1000.0)
        else:
            self.wfile.write(data)

    def record_status(self, status):
        state = self.server.state
        with state.lock:
            state.count("statuses", str(status))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # Clients that hang up (timeouts under test) are expected; keep stderr quiet.
        pass


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("root")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--error-every", type=int, default=0)
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--error-status", type=int, default=503)
    p.add_argument("--retry-after", type=int, default=None)
    p.add_argument("--drop-rate", type=float, default=0.0)
    p.add_argument("--drop-every", type=int, default=0)
    p.add_argument("--drop-mid-rate", type=float, default=0.0)
    p.add_argument("--drop-mid-every", type=int, default=0)
    p.add_argument("--rst", action="store_true")
    p.add_argument("--delay-ms", type=int, default=0)
    p.add_argument("--trickle-ms", type=int, default=0)
    p.add_argument("--trickle-bytes", type=int, default=4096)
    p.add_argument("--slow-rate", type=float, default=1.0)
    p.add_argument("--slow-every", type=int, default=0)
    p.add_argument("--fail-path", action="append", default=[])
    p.add_argument("--ignore-range", action="store_true")
    p.add_argument("--no-length", action="store_true")
    p.add_argument("--fault-prefix", default="/")
    p.add_argument("--record-header", action="append", default=[])
    a = p.parse_args(argv)
    settings = copy.deepcopy(DEFAULTS)
    for key in DEFAULTS:
        if key in ("fail_paths", "record_headers"):
            continue
        settings[key] = getattr(a, key)
    for item in a.fail_path:
        path, _, status = item.rpartition("=")
        if not path or not status.isdigit():
            p.error("--fail-path wants PATH=STATUS, got %r" % item)
        settings["fail_paths"][path] = int(status)
    settings["record_headers"] = list(a.record_header)
    if not os.path.isdir(a.root):
        p.error("root is not a directory: %s" % a.root)
    server = Server(("127.0.0.1", a.port), Handler)
    server.state = State(a.root, settings, a.seed)
    sys.stdout.write("PORT %d\n" % server.server_address[1])
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

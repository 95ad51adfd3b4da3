#!/usr/bin/python3
"""Local Sentry-compatible ingest receiver for sentry_transport's tests and demo.

Run with Debian's interpreter (it has python3-sentry-sdk):

    /usr/bin/python3 tests/receiver/receiver.py --port 0 [--host 127.0.0.1] [--key KEY]
        [--project 42] [--record FILE.jsonl] [--tls-cert C --tls-key K] [--verbose]

It prints exactly one line on stdout, ``receiver listening on http://HOST:PORT`` (https
with TLS), and nothing else there. Everything else goes to stderr, which stays quiet unless
--verbose. See README.md in this directory for the protocol checks and the control API.

Standard library only, plus sentry_sdk (for Sentry's Python envelope parser) and node with
@sentry/core in tests/receiver/node_modules (for Sentry's JavaScript envelope parser).
"""

import argparse
import collections
import datetime
import json
import os
import queue
import random
import re
import select
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))

# Relay defaults (DESIGN.md section 6).
MAX_ENVELOPE = 200 * 1024 * 1024
MAX_EVENT_ITEM = 1024 * 1024
MAX_CLIENT_REPORT = 4 * 1024

EVENT_ID_RE = re.compile(r"^[0-9a-f]{32}$")
RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
CLIENT_RE = re.compile(r"^[^/\s,]+/[^/\s,]+$")
ENVELOPE_PATH_RE = re.compile(r"^/api/([^/]+)/envelope/?$")
JSON_ITEM_TYPES = {
    "event", "transaction", "client_report", "session", "sessions", "check_in", "feedback",
    "user_report", "profile", "replay_event", "log", "span",
}
CLIENT_REPORT_REASONS = {
    "queue_overflow", "cache_overflow", "buffer_overflow", "ratelimit_backoff",
    "network_error", "sample_rate", "before_send", "event_processor", "send_error",
    "internal_sdk_error", "insufficient_data", "backpressure", "ignored", "invalid",
}

VERBOSE = False


def log(msg):
    if VERBOSE:
        sys.stderr.write("[receiver] %s\n" % msg)
        sys.stderr.flush()


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds").replace(
        "+00:00", "Z")


class Invalid(Exception):
    """The envelope breaks the protocol."""


# --------------------------------------------------------------------------------------
# Strict validation (our own reading of the protocol)
# --------------------------------------------------------------------------------------

def is_compact_json_line(line):
    """True when the JSON text has no insignificant whitespace (nothing outside strings)."""
    in_str = False
    esc = False
    for ch in line:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in " \t\r\n":
            return False
    return True


def _reject_constants(name):
    raise ValueError("non-standard JSON constant %s" % name)


def parse_json_strict(raw, what):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid("%s is not UTF-8: %s" % (what, e))
    try:
        return text, json.loads(text, parse_constant=_reject_constants)
    except ValueError as e:
        raise Invalid("%s is not valid JSON: %s" % (what, e))


def parse_json_header_line(raw, what):
    text, obj = parse_json_strict(raw, what)
    if not isinstance(obj, dict):
        raise Invalid("%s is not a JSON object" % what)
    if not is_compact_json_line(text):
        raise Invalid("%s is not compact JSON (whitespace outside strings)" % what)
    return obj


def check_rfc3339(value, what):
    if not isinstance(value, str):
        raise Invalid("%s is not a string" % what)
    m = RFC3339_RE.match(value)
    if not m:
        raise Invalid("%s %r is not RFC 3339" % (what, value))
    y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
    try:
        datetime.datetime(y, mo, d, h, mi, min(s, 59))
    except ValueError as e:
        raise Invalid("%s %r is not a valid date-time: %s" % (what, value, e))
    if s > 60:
        raise Invalid("%s %r has seconds > 60" % (what, value))


def check_timestamp(value, what):
    if isinstance(value, bool):
        raise Invalid("%s is a boolean" % what)
    if isinstance(value, (int, float)):
        if value <= 0:
            raise Invalid("%s %r is not a positive unix time" % (what, value))
        return
    check_rfc3339(value, what)


def split_envelope(body):
    """Parse the envelope strictly. Returns (header, [(item_header, payload_bytes)])."""
    if not body:
        raise Invalid("empty envelope")
    nl = body.find(b"\n")
    if nl < 0:
        raise Invalid("envelope has no newline after its header (no items)")
    header = parse_json_header_line(body[:nl], "envelope header")
    pos = nl + 1
    items = []
    n = len(body)
    while pos < n:
        idx = len(items)
        nl = body.find(b"\n", pos)
        line = body[pos:] if nl < 0 else body[pos:nl]
        if not line:
            raise Invalid("item %d: empty item header line (stray newline)" % idx)
        ih = parse_json_header_line(line, "item %d header" % idx)
        if nl < 0:
            raise Invalid("item %d: header not followed by a newline and payload" % idx)
        pos = nl + 1
        t = ih.get("type")
        if not isinstance(t, str) or not t:
            raise Invalid("item %d: header has no string \"type\"" % idx)
        if "length" in ih:
            length = ih["length"]
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                raise Invalid("item %d (%s): length %r is not a non-negative integer" % (idx, t, length))
            if pos + length > n:
                raise Invalid("item %d (%s): length %d exceeds the %d bytes left in the envelope"
                              % (idx, t, length, n - pos))
            payload = body[pos:pos + length]
            pos += length
            if pos < n:
                if body[pos:pos + 1] != b"\n":
                    raise Invalid("item %d (%s): length %d does not match its payload "
                                  "(byte after the payload is %r, not a newline)"
                                  % (idx, t, length, body[pos:pos + 1]))
                pos += 1
        else:
            nl = body.find(b"\n", pos)
            if nl < 0:
                payload = body[pos:]
                pos = n
            else:
                payload = body[pos:nl]
                pos = nl + 1
        items.append((ih, payload))
    if not items:
        raise Invalid("envelope has no items")
    return header, items


def validate_envelope(body, expected_key=None):
    """Strict check. Returns dict(header, items=[(hdr, payload_bytes, decoded_or_None)])."""
    header, items = split_envelope(body)
    if "sent_at" not in header:
        raise Invalid("envelope header has no sent_at")
    check_rfc3339(header["sent_at"], "envelope header sent_at")
    eid = header.get("event_id")
    if eid is not None and (not isinstance(eid, str) or not EVENT_ID_RE.match(eid)):
        raise Invalid("envelope header event_id %r is not 32 lowercase hex digits" % (eid,))
    if "sdk" in header:
        sdk = header["sdk"]
        if not isinstance(sdk, dict) or not isinstance(sdk.get("name"), str) \
                or not isinstance(sdk.get("version"), str):
            raise Invalid("envelope header sdk must be {name, version} strings, got %r" % (sdk,))
    if "dsn" in header:
        dsn = header["dsn"]
        if not isinstance(dsn, str):
            raise Invalid("envelope header dsn is not a string")
        parts = urlsplit(dsn)
        if parts.scheme not in ("http", "https") or not parts.username or not parts.hostname:
            raise Invalid("envelope header dsn %r is not a DSN" % dsn)
        if expected_key and parts.username != expected_key:
            raise Invalid("envelope header dsn has public key %r, expected %r"
                          % (parts.username, expected_key))

    out = []
    n_event_like = 0
    for idx, (ih, payload) in enumerate(items):
        t = ih["type"]
        decoded = None
        if t in ("event", "transaction"):
            n_event_like += 1
            if n_event_like > 1:
                raise Invalid("more than one event/transaction item in one envelope")
            if len(payload) > MAX_EVENT_ITEM:
                raise Invalid("item %d (%s): %d bytes exceeds the 1 MiB event item limit"
                              % (idx, t, len(payload)))
            _, decoded = parse_json_strict(payload, "item %d (%s) payload" % (idx, t))
            if not isinstance(decoded, dict):
                raise Invalid("item %d (%s): payload is not a JSON object" % (idx, t))
            if eid is None:
                raise Invalid("envelope with a%s %s item has no event_id in its header"
                              % ("n" if t == "event" else "", t))
            # Relay reads both as UUIDs: dashes and case do not matter, anything else does.
            # Absent from the payload, Relay takes the header's (sentry-php writes it only
            # in the header).
            peid = decoded.get("event_id", eid)
            if not isinstance(peid, str) or peid.replace("-", "").lower() != eid:
                raise Invalid("item %d (%s): payload event_id %r differs from header event_id %r"
                              % (idx, t, decoded.get("event_id"), eid))
            if "timestamp" not in decoded:
                raise Invalid("item %d (%s): payload has no timestamp" % (idx, t))
            check_timestamp(decoded["timestamp"], "item %d (%s) timestamp" % (idx, t))
            if not isinstance(decoded.get("platform"), str) or not decoded["platform"]:
                raise Invalid("item %d (%s): payload has no platform" % (idx, t))
            if t == "transaction" and decoded.get("type", "transaction") != "transaction":
                raise Invalid("item %d: transaction payload has type %r" % (idx, decoded.get("type")))
        elif t == "client_report":
            if len(payload) > MAX_CLIENT_REPORT:
                raise Invalid("item %d (client_report): %d bytes exceeds 4 KiB" % (idx, len(payload)))
            _, decoded = parse_json_strict(payload, "item %d (client_report) payload" % idx)
            if not isinstance(decoded, dict):
                raise Invalid("item %d (client_report): payload is not a JSON object" % idx)
            if "timestamp" in decoded:
                check_timestamp(decoded["timestamp"], "item %d (client_report) timestamp" % idx)
            for key in ("discarded_events",):
                evs = decoded.get(key, [])
                if not isinstance(evs, list):
                    raise Invalid("item %d (client_report): %s is not a list" % (idx, key))
                for j, d in enumerate(evs):
                    if not isinstance(d, dict) or not isinstance(d.get("reason"), str) \
                            or not isinstance(d.get("category"), str) \
                            or isinstance(d.get("quantity"), bool) \
                            or not isinstance(d.get("quantity"), int) or d["quantity"] < 0:
                        raise Invalid("item %d (client_report): %s[%d] must be "
                                      "{reason, category, quantity>=0}, got %r" % (idx, key, j, d))
                    if d["reason"] not in CLIENT_REPORT_REASONS:
                        raise Invalid("item %d (client_report): unknown discard reason %r"
                                      % (idx, d["reason"]))
        elif t in JSON_ITEM_TYPES:
            _, decoded = parse_json_strict(payload, "item %d (%s) payload" % (idx, t))
        out.append((ih, payload, decoded))
    return {"header": header, "items": out}


# --------------------------------------------------------------------------------------
# Sentry's own parsers
# --------------------------------------------------------------------------------------

def validate_with_python_sdk(body, ours):
    try:
        from sentry_sdk.envelope import Envelope
    except Exception as e:  # pragma: no cover - environment problem
        raise Invalid("sentry_sdk not importable (%s); run with /usr/bin/python3" % e)
    try:
        env = Envelope.deserialize(body)
    except Exception as e:
        raise Invalid("sentry_sdk Envelope.deserialize failed: %s: %s" % (type(e).__name__, e))
    if len(env.items) != len(ours["items"]):
        raise Invalid("sentry_sdk Envelope.deserialize found %d items, we found %d"
                      % (len(env.items), len(ours["items"])))
    for i, (item, (ih, _payload, _dec)) in enumerate(zip(env.items, ours["items"])):
        if item.type != ih["type"]:
            raise Invalid("sentry_sdk sees item %d as %r, we see %r" % (i, item.type, ih["type"]))
    if env.headers.get("event_id") != ours["header"].get("event_id"):
        raise Invalid("sentry_sdk sees header event_id %r" % env.headers.get("event_id"))


class JsValidator:
    """A persistent `node validate_envelope.mjs` child; one request at a time."""

    def __init__(self, node="node"):
        self.node = node
        self.lock = threading.Lock()
        self.proc = None
        self.lines = None

    def _start(self):
        script = os.path.join(HERE, "validate_envelope.mjs")
        self.proc = subprocess.Popen(
            [self.node, script], cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        proc, lines = self.proc, self.lines

        def reader():
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        def err_reader():
            for line in proc.stderr:
                sys.stderr.write("[validate_envelope.mjs] " + line.decode("utf-8", "replace"))
                sys.stderr.flush()

        threading.Thread(target=reader, daemon=True).start()
        threading.Thread(target=err_reader, daemon=True).start()
        first = self._read(15.0)
        if not first.get("ready"):
            raise RuntimeError("validate_envelope.mjs did not start: %r" % first)

    def _read(self, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError("validate_envelope.mjs did not answer within %.0f s" % timeout)
        if line is None:
            raise RuntimeError("validate_envelope.mjs exited (is @sentry/core installed? run "
                               "npm install --prefix tests/receiver)")
        return json.loads(line)

    def start(self):
        with self.lock:
            self._start()

    def check(self, body):
        with self.lock:
            for attempt in (0, 1):
                try:
                    if self.proc is None or self.proc.poll() is not None:
                        self._start()
                    self.proc.stdin.write(b"#%d\n" % len(body) + body + b"\n")
                    self.proc.stdin.flush()
                    return self._read(30.0)
                except (OSError, RuntimeError, ValueError) as e:
                    self.stop_locked()
                    if attempt:
                        raise RuntimeError("JS validator failed: %s" % e)

    def stop_locked(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def stop(self):
        with self.lock:
            self.stop_locked()


def validate_with_js(js, body, ours):
    try:
        res = js.check(body)
    except RuntimeError as e:
        raise Invalid(str(e))
    if not res.get("ok"):
        raise Invalid("@sentry/core parseEnvelope: %s" % res.get("error"))
    our_types = [ih["type"] for ih, _p, _d in ours["items"]]
    if res.get("items") != our_types:
        raise Invalid("@sentry/core parseEnvelope sees items %r, we see %r"
                      % (res.get("items"), our_types))
    if res.get("event_id") != ours["header"].get("event_id"):
        raise Invalid("@sentry/core parseEnvelope sees event_id %r, we see %r"
                      % (res.get("event_id"), ours["header"].get("event_id")))
    for i, ((ih, payload, _d), jl) in enumerate(zip(ours["items"], res.get("lengths") or [])):
        if jl is not None and jl != len(payload):
            raise Invalid("@sentry/core parseEnvelope sees item %d as %d bytes, we see %d"
                          % (i, jl, len(payload)))
        if jl is None and "length" in ih:
            raise Invalid("@sentry/core parseEnvelope ignored item %d's length %r"
                          % (i, ih["length"]))


# --------------------------------------------------------------------------------------
# Auth, decoding
# --------------------------------------------------------------------------------------

def parse_auth(value, expected_key):
    """Returns (fields, error). fields has sentry_secret removed."""
    if value is None:
        return None, "missing X-Sentry-Auth header"
    if not value.startswith("Sentry "):
        return None, "X-Sentry-Auth does not start with 'Sentry '"
    fields = {}
    for part in value[len("Sentry "):].split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            return None, "X-Sentry-Auth has a malformed field %r" % part
        k, v = part.split("=", 1)
        fields[k.strip()] = v.strip()
    if fields.get("sentry_version") != "7":
        return fields, "X-Sentry-Auth sentry_version is %r, expected '7'" % fields.get("sentry_version")
    client = fields.get("sentry_client")
    if not client or not CLIENT_RE.match(client):
        return fields, "X-Sentry-Auth sentry_client %r is not <name>/<version>" % client
    key = fields.get("sentry_key")
    if not key:
        return fields, "X-Sentry-Auth has no sentry_key"
    if expected_key is not None and key != expected_key:
        return fields, "X-Sentry-Auth sentry_key %r is not the expected key" % key
    return fields, None


def redact_auth(fields):
    if fields is None:
        return None
    return {k: v for k, v in fields.items() if k != "sentry_secret"}


def bounded_decompress(data, wbits, what):
    d = zlib.decompressobj(wbits)
    try:
        out = d.decompress(data, MAX_ENVELOPE + 1)
    except zlib.error as e:
        raise Invalid("body claims %s but does not decode: %s" % (what, e))
    if len(out) > MAX_ENVELOPE:
        raise Invalid("decoded body exceeds the 200 MiB envelope limit")
    if not d.eof:
        raise Invalid("body claims %s but the compressed stream is truncated" % what)
    if d.unused_data:
        raise Invalid("body claims %s but has %d bytes of trailing garbage"
                      % (what, len(d.unused_data)))
    return out


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def zstd_decompress(raw):
    """One zstd frame (RFC 8878), as Relay accepts it: python3-zstandard, else the zstd CLI."""
    if raw[:4] != ZSTD_MAGIC:
        raise Invalid("body claims Content-Encoding zstd but lacks the zstd magic bytes")
    try:
        import zstandard
    except ImportError:
        zstandard = None
    if zstandard is not None:
        d = zstandard.ZstdDecompressor().decompressobj()
        try:
            out = d.decompress(raw)
        except zstandard.ZstdError as e:
            raise Invalid("body claims zstd but does not decode: %s" % e)
        if not d.eof:
            raise Invalid("body claims zstd but the compressed stream is truncated")
        if d.unused_data:
            raise Invalid("body claims zstd but has %d bytes of trailing garbage" % len(d.unused_data))
    else:
        try:
            p = subprocess.run(["zstd", "-q", "-d", "-c"], input=raw, capture_output=True, timeout=30)
        except FileNotFoundError:
            raise Invalid("cannot decode zstd here: install python3-zstandard or zstd")
        if p.returncode != 0:
            raise Invalid("body claims zstd but does not decode: %s" % p.stderr.decode(errors="replace").strip())
        out = p.stdout
    if len(out) > MAX_ENVELOPE:
        raise Invalid("decoded body exceeds the 200 MiB envelope limit")
    return out


def decode_body(raw, encoding):
    enc = (encoding or "").strip().lower()
    if enc in ("", "identity"):
        return raw, "identity"
    if enc in ("gzip", "x-gzip"):
        if raw[:2] != b"\x1f\x8b":
            raise Invalid("body claims Content-Encoding gzip but lacks the gzip magic bytes")
        return bounded_decompress(raw, 16 + zlib.MAX_WBITS, "gzip"), "gzip"
    if enc == "deflate":
        # HTTP "deflate" is the zlib format (RFC 1950), not raw deflate.
        return bounded_decompress(raw, zlib.MAX_WBITS, "deflate (zlib)"), "deflate"
    if enc == "zstd":
        return zstd_decompress(raw), "zstd"
    raise Invalid("unsupported Content-Encoding %r (this receiver takes gzip, deflate, zstd)" % encoding)


# --------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------

class State:
    def __init__(self, record_path):
        self.lock = threading.Lock()
        self.record_path = record_path
        self.record_file = open(record_path, "a", encoding="utf-8") if record_path else None
        self.reset()

    def reset(self):
        with self.lock:
            self.records = []
            self.script = collections.deque()
            self.then = None
            self.random = None
            self.faults_applied = 0

    def set_faults(self, spec):
        with self.lock:
            self.script = collections.deque(spec.get("script") or [])
            self.then = spec.get("then")
            self.random = RandomFaults(spec["random"]) if spec.get("random") is not None else None
            self.faults_applied = 0

    def faults(self):
        with self.lock:
            return {"script": list(self.script), "then": self.then,
                    "random": self.random.describe() if self.random else None,
                    "applied": self.faults_applied}

    def next_fault(self):
        with self.lock:
            if self.script:
                self.faults_applied += 1
                return self.script.popleft()
            if self.random is not None:
                fault = self.random.draw()
                if fault is not None:
                    self.faults_applied += 1
                    return fault
            if self.then is not None:
                self.faults_applied += 1
            return self.then

    def add(self, rec):
        with self.lock:
            rec["seq"] = len(self.records)
            self.records.append(rec)
            if self.record_file:
                self.record_file.write(json.dumps(rec, separators=(",", ":")) + "\n")
                self.record_file.flush()

    def events(self, since=0):
        with self.lock:
            return list(self.records[since:])

    def stats(self):
        with self.lock:
            recs = list(self.records)
            pending = len(self.script)
        st = {
            "envelopes": len(recs), "valid": 0, "invalid": 0, "rejected_auth": 0,
            "event_ids_unique": 0, "duplicates": 0, "received_duplicates": 0,
            "delivered": 0, "delivered_unique": 0,
            "by_item_type": {}, "delivered_by_item_type": {}, "by_status": {},
            "errors": [], "faults_pending": pending,
        }
        seen, delivered_ids = set(), set()
        n_with_id = n_delivered_with_id = 0
        for r in recs:
            if r["valid"] is True:
                st["valid"] += 1
            elif r["valid"] is False:
                st["invalid"] += 1
                st["errors"].append({"seq": r["seq"], "error": r["error"]})
            if r.get("rejected") == "auth":
                st["rejected_auth"] += 1
            key = str(r["status"])
            st["by_status"][key] = st["by_status"].get(key, 0) + 1
            delivered = isinstance(r["status"], int) and 200 <= r["status"] < 300
            for t in r["item_types"]:
                st["by_item_type"][t] = st["by_item_type"].get(t, 0) + 1
                if delivered:
                    st["delivered_by_item_type"][t] = st["delivered_by_item_type"].get(t, 0) + 1
            if r["event_id"]:
                n_with_id += 1
                seen.add(r["event_id"])
            if delivered:
                st["delivered"] += 1
                if r["event_id"]:
                    n_delivered_with_id += 1
                    delivered_ids.add(r["event_id"])
        st["event_ids_unique"] = len(seen)
        st["received_duplicates"] = n_with_id - len(seen)
        st["delivered_unique"] = len(delivered_ids)
        st["duplicates"] = n_delivered_with_id - len(delivered_ids)
        st["errors"] = st["errors"][-20:]
        return st

    def close(self):
        with self.lock:
            if self.record_file:
                self.record_file.close()
                self.record_file = None


class RandomFaults:
    """The `random` fault mode: each envelope POST past the script draws, from a seeded RNG,
    whether it gets a fault (probability p) and which one (weighted). Draws follow arrival
    order, so the same seed gives the same sequence of decisions, not the same requests."""

    def __init__(self, spec):
        self.p = float(spec["p"])
        self.seed = spec.get("seed")
        if self.seed is None:
            self.seed = int.from_bytes(os.urandom(4), "big")
        self.rng = random.Random(self.seed)
        self.choices = [{k: v for k, v in c.items() if k != "weight"} for c in spec["choices"]]
        self.weights = [float(c.get("weight", 1)) for c in spec["choices"]]
        self.drawn = 0
        self.by_choice = [0] * len(self.choices)

    def draw(self):
        """The fault for the next envelope (a copy naming its choice index), or None."""
        self.drawn += 1
        # Both numbers are always drawn, so decision n depends only on the seed and n.
        hit = self.rng.random() < self.p
        i = self.rng.choices(range(len(self.choices)), weights=self.weights)[0]
        if not hit:
            return None
        self.by_choice[i] += 1
        fault = dict(self.choices[i])
        fault["random_choice"] = i
        return fault

    def describe(self):
        return {"p": self.p, "seed": self.seed,
                "choices": [dict(c, weight=w) for c, w in zip(self.choices, self.weights)],
                "drawn": self.drawn, "faulted": sum(self.by_choice), "by_choice": self.by_choice}


FAULT_KEYS = {"status", "headers", "delay_ms", "reset", "close", "body"}
RANDOM_KEYS = {"p", "seed", "choices"}


def check_random_spec(r):
    if not isinstance(r, dict):
        raise ValueError("random must be an object {p, choices, seed}")
    unknown = set(r) - RANDOM_KEYS
    if unknown:
        raise ValueError("unknown random keys %s" % sorted(unknown))
    p = r.get("p")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError("random.p must be a number from 0 to 1, got %r" % (p,))
    seed = r.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError("random.seed must be an integer, got %r" % (seed,))
    choices = r.get("choices")
    if not isinstance(choices, list) or not choices:
        raise ValueError("random.choices must be a non-empty list of fault entries")
    entries = []
    for c in choices:
        if not isinstance(c, dict):
            raise ValueError("random choice %r is not an object" % (c,))
        w = c.get("weight", 1)
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not w > 0:
            raise ValueError("random choice weight must be a positive number, got %r" % (w,))
        entries.append({k: v for k, v in c.items() if k != "weight"})
    return entries


def check_fault_spec(spec):
    if not isinstance(spec, dict):
        raise ValueError("fault spec must be a JSON object")
    unknown = set(spec) - {"script", "then", "random"}
    if unknown:
        raise ValueError("unknown fault spec keys %s" % sorted(unknown))
    script = spec.get("script") or []
    if not isinstance(script, list):
        raise ValueError("script must be a list")
    entries = list(script) + ([spec["then"]] if spec.get("then") is not None else [])
    if spec.get("random") is not None:
        entries += check_random_spec(spec["random"])
    for e in entries:
        if not isinstance(e, dict):
            raise ValueError("fault entry %r is not an object" % (e,))
        bad = set(e) - FAULT_KEYS
        if bad:
            raise ValueError("fault entry %r has unknown keys %s" % (e, sorted(bad)))
        if "status" in e and (not isinstance(e["status"], int) or not 100 <= e["status"] <= 599):
            raise ValueError("fault status %r is not an HTTP status" % (e["status"],))
        if "headers" in e and not isinstance(e["headers"], dict):
            raise ValueError("fault headers must be an object")
        if "delay_ms" in e and (not isinstance(e["delay_ms"], (int, float)) or e["delay_ms"] < 0):
            raise ValueError("fault delay_ms must be a non-negative number")


# --------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms Nagle/delayed-ACK stalls on keep-alive
    server_version = "sentry-test-receiver/1"
    sys_version = ""

    def log_message(self, fmt, *args):
        log("%s %s" % (self.address_string(), fmt % args))

    # -- helpers ---------------------------------------------------------------------
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionError("connection closed inside chunked body")
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(8192)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                total += size
                if total > MAX_ENVELOPE + 1024:
                    raise ConnectionError("chunked body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(8)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        n = int(length)
        if n < 0 or n > MAX_ENVELOPE:
            raise ConnectionError("Content-Length %d out of range" % n)
        data = self.rfile.read(n)
        if len(data) != n:
            raise ConnectionError("body shorter than Content-Length")
        return data

    def send_json(self, status, obj, extra_headers=None):
        body = (json.dumps(obj, separators=(",", ":")) + "\n").encode("utf-8")
        self.send_bytes(status, body, "application/json", extra_headers)

    def send_bytes(self, status, body, ctype="text/plain", extra_headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, str(v))
        if self.close_connection:
            self.send_header("Connection", "close")
        # Headers and body in one write.
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def peer_gone(self):
        """True when the client has closed its end (e.g. timed out). Plain TCP only."""
        conn = self.connection
        if isinstance(conn, ssl.SSLSocket):
            return False
        try:
            r, _w, _x = select.select([conn], [], [], 0)
            if not r:
                return False
            return conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True

    def abort_connection(self, rst):
        """Close without a response: RST (SO_LINGER 0) or a plain FIN."""
        self.close_connection = True
        conn = self.connection
        try:
            if rst:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            fd = conn.detach()  # socketserver must not shutdown(SHUT_WR) it: that sends a FIN
            os.close(fd)
        except OSError:
            pass

    # -- routing ---------------------------------------------------------------------
    def do_GET(self):
        url = urlsplit(self.path)
        qs = parse_qs(url.query)
        st = self.server.state
        if url.path == "/_health":
            self.send_bytes(200, b"ok")
        elif url.path == "/_stats":
            self.send_json(200, st.stats())
        elif url.path == "/_events":
            since = int((qs.get("since") or ["0"])[0])
            evs = st.events(max(since, 0))
            if (qs.get("delivered") or ["0"])[0] in ("1", "true"):
                evs = [e for e in evs if isinstance(e["status"], int) and 200 <= e["status"] < 300]
            self.send_json(200, evs)
        elif url.path == "/_faults":
            self.send_json(200, st.faults())
        else:
            self.send_json(404, {"detail": "not found"})

    do_HEAD = do_GET

    def do_POST(self):
        url = urlsplit(self.path)
        try:
            body = self.read_body()
        except (ConnectionError, ValueError) as e:
            log("bad request body: %s" % e)
            self.close_connection = True
            self.send_json(400, {"detail": "bad request body: %s" % e})
            return
        st = self.server.state
        if url.path == "/_faults":
            try:
                spec = json.loads(body or b"{}")
                check_fault_spec(spec)
            except ValueError as e:
                self.send_json(400, {"detail": str(e)})
                return
            st.set_faults(spec)
            self.send_json(200, st.faults())
        elif url.path == "/_reset":
            st.reset()
            self.send_json(200, {"ok": True})
        elif ENVELOPE_PATH_RE.match(url.path):
            self.handle_envelope(ENVELOPE_PATH_RE.match(url.path).group(1), body)
        else:
            self.send_json(404, {"detail": "not found"})

    def handle_envelope(self, project, raw):
        srv = self.server
        rec = {
            "received_at": now_rfc3339(), "event_id": None, "item_types": [],
            "headers": {}, "encoding": None, "sent_at": None, "size_wire": len(raw),
            "size_raw": None, "payloads": [], "valid": None, "error": None,
            "status": None, "rejected": None, "fault": None, "project": project,
        }
        auth_fields, auth_err = parse_auth(self.headers.get("X-Sentry-Auth"), srv.expected_key)
        rec["headers"] = {
            "x_sentry_auth": redact_auth(auth_fields),
            "content_type": self.headers.get("Content-Type"),
            "content_encoding": self.headers.get("Content-Encoding"),
            "content_length": self.headers.get("Content-Length"),
            "transfer_encoding": self.headers.get("Transfer-Encoding"),
            "user_agent": self.headers.get("User-Agent"),
        }
        status, resp = 200, None
        body = raw
        if auth_err:
            rec["rejected"] = "auth"
            rec["error"] = auth_err
            status, resp = 401, {"detail": auth_err}
        else:
            try:
                if project != srv.project:
                    raise Invalid("envelope posted to project %r, expected %r" % (project, srv.project))
                ctype = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
                if ctype != "application/x-sentry-envelope":
                    raise Invalid("Content-Type %r is not application/x-sentry-envelope"
                                  % self.headers.get("Content-Type"))
                body, rec["encoding"] = decode_body(raw, self.headers.get("Content-Encoding"))
                rec["size_raw"] = len(body)
                ours = validate_envelope(body, srv.expected_key)
                hdr = ours["header"]
                rec["event_id"] = hdr.get("event_id")
                rec["sent_at"] = hdr.get("sent_at")
                rec["envelope_header"] = hdr
                rec["item_types"] = [ih["type"] for ih, _p, _d in ours["items"]]
                rec["item_headers"] = [ih for ih, _p, _d in ours["items"]]
                rec["payloads"] = [
                    d if d is not None else {"_type": ih["type"], "_length": len(p)}
                    for ih, p, d in ours["items"]
                ]
                validate_with_python_sdk(body, ours)
                if srv.js is not None:
                    validate_with_js(srv.js, body, ours)
                rec["valid"] = True
                resp = {"id": rec["event_id"]} if rec["event_id"] else {}
            except Invalid as e:
                rec["valid"] = False
                rec["error"] = str(e)
                status, resp = 400, {"detail": "invalid envelope: %s" % e}
                rec["raw_preview"] = body[:2048].decode("utf-8", "replace")
                log("INVALID envelope: %s" % e)

        fault = srv.state.next_fault()
        extra = {}
        if fault:
            rec["fault"] = fault
            if fault.get("delay_ms"):
                time.sleep(fault["delay_ms"] / 1000.0)
                if self.peer_gone():
                    # The client gave up (timeout) while we slept: it never sees an answer,
                    # so this must not count as delivered.
                    rec["status"] = "client_gone"
                    srv.state.add(rec)
                    self.close_connection = True
                    return
            if fault.get("reset") or fault.get("close"):
                rec["status"] = "reset" if fault.get("reset") else "closed"
                srv.state.add(rec)
                self.abort_connection(rst=bool(fault.get("reset")))
                return
            if "status" in fault:
                fs = fault["status"]
                if not 200 <= fs < 300:
                    status = fs
                    resp = fault.get("body", {"detail": "injected fault %d" % fs})
                elif status < 300:
                    # A 2xx fault never turns a refused (401/400) envelope into a delivered one.
                    status = fs
                    if "body" in fault:
                        resp = fault["body"]
            extra = dict(fault.get("headers") or {})
        rec["status"] = status
        srv.state.add(rec)
        self.send_json(status, resp if resp is not None else {}, extra)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # socketserver's default backlog is 5: a sender opening its HTTP/1.1 pool at once (64
    # connections) had SYNs dropped and waited out the kernel's 1 s retransmit. Real
    # upstreams (nginx, Relay) listen with hundreds.
    request_queue_size = 1024

    def __init__(self, addr, handler, state, expected_key, project, js, tls_ctx):
        self.state = state
        self.expected_key = expected_key
        self.project = project
        self.js = js
        self.tls_ctx = tls_ctx
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        # TLS handshake in the per-connection thread, never in the accept loop.
        if self.tls_ctx is None:
            return super().finish_request(request, client_address)
        try:
            tls = self.tls_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log("TLS handshake failed: %s" % e)
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if VERBOSE:
            super().handle_error(request, client_address)


def set_parent_death_signal():
    """Linux: have the kernel send SIGTERM when the parent dies (backs up the getppid poll)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:  # not Linux, or no libc: the getppid poll still works
        pass


def main(argv=None):
    global VERBOSE
    parent = os.getppid()  # first thing: the parent may exit right after our startup line
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, required=True, help="0 picks a free port")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--key", default=None, help="expected public key (sentry_key)")
    ap.add_argument("--project", default="42")
    ap.add_argument("--record", default=None, help="append one JSON line per envelope here")
    ap.add_argument("--tls-cert", default=None)
    ap.add_argument("--tls-key", default=None)
    ap.add_argument("--node", default=os.environ.get("RECEIVER_NODE", "node"))
    ap.add_argument("--no-js", action="store_true",
                    help="skip the @sentry/core parser (not for tests: it weakens validation)")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    ap.add_argument("--exit-with-parent", action="store_true",
                    help="exit when the parent process dies (no orphans after a crashed test)")
    args = ap.parse_args(argv)
    VERBOSE = args.verbose
    if args.exit_with_parent:
        set_parent_death_signal()
        if os.getppid() != parent:
            return 0

    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    tls_ctx = None
    if args.tls_cert:
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(args.tls_cert, args.tls_key)

    try:
        import sentry_sdk.envelope  # noqa: F401  (fail early, not per envelope)
    except Exception as e:
        sys.stderr.write("receiver: sentry_sdk is not importable (%s); use /usr/bin/python3 with "
                         "python3-sentry-sdk installed\n" % e)
        return 2

    js = None
    if not args.no_js:
        js = JsValidator(args.node)
        try:
            js.start()
        except Exception as e:
            sys.stderr.write("receiver: the @sentry/core validator does not start (%s); run "
                             "`npm install --prefix tests/receiver` (or pass --no-js)\n" % e)
            return 2

    state = State(args.record)
    server = Server((args.host, args.port), Handler, state, args.key, str(args.project), js,
                    tls_ctx)
    host, port = server.server_address[:2]
    if ":" in host:
        host = "[%s]" % host
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    sys.stdout.write("receiver listening on %s://%s:%d\n" % ("https" if tls_ctx else "http", host, port))
    sys.stdout.flush()
    while not stop.wait(0.25):
        if not t.is_alive():
            break
        if args.exit_with_parent and os.getppid() != parent:
            log("parent %d is gone; exiting" % parent)
            break
    server.shutdown()
    server.server_close()
    if js is not None:
        js.stop()
    state.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Self-test of the test receiver: real HTTP against a real receiver.py process.

    /usr/bin/python3 tests/receiver/test_receiver.py

Prints one line per check and a closing line `N passed, N failed`; exits non-zero on failure.
"""

import gzip
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid
import zlib

from sentry_sdk.envelope import Envelope, Item, PayloadRef

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = "abc123publickey"
PROJECT = "42"

passed = 0
failed = 0


def check(name, fn):
    global passed, failed
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - report any failure
        failed += 1
        print("FAIL %s: %s" % (name, e))
        if os.environ.get("RECEIVER_TEST_VERBOSE"):
            traceback.print_exc()
    else:
        passed += 1
        print("ok   %s" % name)
    sys.stdout.flush()


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


# How a client sees a receiver that cuts the connection, or stalls past its timeout.
CUT_OFF = (ConnectionError, http.client.RemoteDisconnected, urllib.error.URLError)
TIMED_OUT = (socket.timeout, TimeoutError, urllib.error.URLError)


def expect_no_answer(body, errors, msg, **kw):
    """post_envelope(body, **kw) must fail with one of `errors`; an answer fails with msg."""
    try:
        post_envelope(body, **kw)
    except errors:
        return
    raise AssertionError(msg)


# ---- receiver process -----------------------------------------------------------------

class Receiver:
    def __init__(self, *extra):
        self.tmp = tempfile.mkdtemp(prefix="receiver-test-")
        self.record = os.path.join(self.tmp, "record.jsonl")
        self.stderr = open(os.path.join(self.tmp, "stderr.log"), "wb")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "receiver.py"), "--port", "0", "--key", KEY,
             "--project", PROJECT, "--record", self.record] + list(extra),
            stdout=subprocess.PIPE, stderr=self.stderr)
        t0 = time.monotonic()
        line = self.proc.stdout.readline().decode()
        self.startup = time.monotonic() - t0
        if not line.startswith("receiver listening on "):
            raise RuntimeError("receiver did not start: %r, stderr: %s" % (line, self.stderr_text()))
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stderr_text(self):
        if not self.stderr.closed:
            self.stderr.flush()
        with open(self.stderr.name, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(timeout=10)
        self.stderr.close()
        return rc

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


R = None


def auth(key=KEY, version="7", client="sentry.php.test/0.1.0"):
    return "Sentry sentry_version=%s, sentry_client=%s, sentry_key=%s" % (version, client, key)


def post(path, body, headers=None, timeout=10, base=None):
    req = urllib.request.Request((base or R.url) + path, data=body, method="POST")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def post_envelope(body, headers=None, **kw):
    h = {"X-Sentry-Auth": auth(), "Content-Type": "application/x-sentry-envelope"}
    h.update(headers or {})
    return post("/api/%s/envelope/" % PROJECT, body, h, **kw)


def get_json(path):
    with urllib.request.urlopen(R.url + path, timeout=10) as resp:
        return json.loads(resp.read())


def control(path, obj=None):
    st, _h, body = post(path, json.dumps(obj or {}).encode(), {"Content-Type": "application/json"})
    expect(st == 200, "%s answered %s: %r" % (path, st, body))
    return json.loads(body)


def sent_at():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def make_event(event_id=None, **over):
    ev = {"event_id": event_id or uuid.uuid4().hex, "timestamp": time.time(),
          "platform": "php", "level": "error", "message": "hello from the self-test"}
    ev.update(over)
    return ev


def sdk_envelope(event=None, header_over=None, extra_items=()):
    """A valid envelope serialised by sentry_sdk's own Envelope.serialize."""
    event = event or make_event()
    headers = {"event_id": event["event_id"], "sent_at": sent_at(),
               "sdk": {"name": "sentry.php.test", "version": "0.1.0"}}
    headers.update(header_over or {})
    env = Envelope(headers=headers)
    env.add_event(event)
    for it in extra_items:
        env.add_item(it)
    return event, env.serialize()


def hand_envelope(header, items, trailing=b"\n"):
    """Assemble an envelope by hand: items = [(header_dict, payload_bytes)]."""
    out = json.dumps(header, separators=(",", ":")).encode()
    for ih, payload in items:
        out += b"\n" + json.dumps(ih, separators=(",", ":")).encode() + b"\n" + payload
    return out + trailing


def compact(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def expect_invalid(body, needle, headers=None):
    before = get_json("/_stats")["invalid"]
    st, _h, resp = post_envelope(body, headers)
    expect(st == 400, "expected 400, got %s %r" % (st, resp))
    err = json.loads(resp)["detail"]
    expect(needle in err, "error %r does not mention %r" % (err, needle))
    expect(get_json("/_stats")["invalid"] == before + 1, "invalid counter did not move")
    return err


# ---- checks ---------------------------------------------------------------------------

def t_health():
    with urllib.request.urlopen(R.url + "/_health", timeout=5) as resp:
        expect(resp.status == 200 and resp.read() == b"ok", "health not ok")


def t_valid_sdk_envelope():
    ev, body = sdk_envelope()
    st, _h, resp = post_envelope(body)
    expect(st == 200, "status %s %r" % (st, resp))
    expect(json.loads(resp) == {"id": ev["event_id"]}, "response %r" % resp)
    evs = get_json("/_events")
    last = evs[-1]
    expect(last["event_id"] == ev["event_id"], "recorded event_id %r" % last["event_id"])
    expect(last["item_types"] == ["event"], "item types %r" % last["item_types"])
    expect(last["payloads"][0]["message"] == ev["message"], "payload not recorded")
    expect(last["valid"] is True and last["status"] == 200, "record %r" % last)
    expect(last["encoding"] == "identity" and last["sent_at"], "encoding/sent_at %r" % last)
    expect(last["headers"]["x_sentry_auth"]["sentry_key"] == KEY, "auth not recorded")
    st = get_json("/_stats")
    expect(st["valid"] == 1 and st["delivered"] == 1 and st["invalid"] == 0, "stats %r" % st)


def t_gzip():
    ev, body = sdk_envelope()
    z = gzip.compress(body)
    st, _h, resp = post_envelope(z, {"Content-Encoding": "gzip"})
    expect(st == 200, "status %s %r" % (st, resp))
    last = get_json("/_events")[-1]
    expect(last["event_id"] == ev["event_id"] and last["encoding"] == "gzip", "record %r" % last)
    expect(last["size_wire"] == len(z) and last["size_raw"] == len(body), "sizes %r" % last)


def t_deflate():
    _ev, body = sdk_envelope()
    st, _h, resp = post_envelope(zlib.compress(body), {"Content-Encoding": "deflate"})
    expect(st == 200, "status %s %r" % (st, resp))
    expect(get_json("/_events")[-1]["encoding"] == "deflate", "encoding not deflate")


def t_zstd():
    ev, body = sdk_envelope()
    try:
        import zstandard
        z = zstandard.ZstdCompressor(level=1).compress(body)
    except ImportError:
        z = subprocess.run(["zstd", "-q", "-1", "-c"], input=body, capture_output=True,
                           check=True).stdout
    st, _h, resp = post_envelope(z, {"Content-Encoding": "zstd"})
    expect(st == 200, "status %s %r" % (st, resp))
    last = get_json("/_events")[-1]
    expect(last["event_id"] == ev["event_id"] and last["encoding"] == "zstd", "record %r" % last)
    expect(last["size_wire"] == len(z) and last["size_raw"] == len(body), "sizes %r" % last)
    # not zstd, and a truncated frame
    expect_invalid(body, "zstd", {"Content-Encoding": "zstd"})
    expect_invalid(z[:-5], "zstd", {"Content-Encoding": "zstd"})


def t_fake_gzip():
    _ev, body = sdk_envelope()
    expect_invalid(body, "gzip", {"Content-Encoding": "gzip"})
    # truncated gzip stream
    expect_invalid(gzip.compress(body)[:-12], "gzip", {"Content-Encoding": "gzip"})


def t_auth():
    _ev, body = sdk_envelope()
    before = get_json("/_stats")
    for hdr, needle in ((auth(key="wrongkey"), "sentry_key"),
                        (auth(version="6"), "sentry_version"),
                        (auth(client="noversion"), "sentry_client"),
                        ("Bearer x", "Sentry ")):
        st, _h, resp = post_envelope(body, {"X-Sentry-Auth": hdr})
        expect(st == 401, "auth %r gave %s" % (hdr, st))
        expect(needle in json.loads(resp)["detail"], "detail %r lacks %r" % (resp, needle))
    # missing header altogether
    st, _h, _r = post("/api/%s/envelope/" % PROJECT, body,
                      {"Content-Type": "application/x-sentry-envelope"})
    expect(st == 401, "missing auth gave %s" % st)
    after = get_json("/_stats")
    expect(after["rejected_auth"] == before["rejected_auth"] + 5, "rejected_auth %r" % after)
    expect(after["invalid"] == before["invalid"], "auth rejections must not count as invalid")
    last = get_json("/_events")[-1]
    expect(last["rejected"] == "auth" and last["status"] == 401, "record %r" % last)


def t_secret_not_recorded():
    _ev, body = sdk_envelope()
    st, _h, _r = post_envelope(body, {"X-Sentry-Auth": auth() + ", sentry_secret=s3cr3t"})
    expect(st == 200, "status %s" % st)
    expect("s3cr3t" not in json.dumps(get_json("/_events")[-1]), "secret recorded")
    with open(R.record) as f:
        expect("s3cr3t" not in f.read(), "secret in the record file")


def t_content_type():
    _ev, body = sdk_envelope()
    expect_invalid(body, "Content-Type", {"Content-Type": "application/json"})


def t_wrong_length():
    ev = make_event()
    payload = compact(ev)
    hdr = {"event_id": ev["event_id"], "sent_at": sent_at()}
    expect_invalid(hand_envelope(hdr, [({"type": "event", "length": len(payload) - 3}, payload)]),
                   "length")
    expect_invalid(hand_envelope(hdr, [({"type": "event", "length": len(payload) + 5}, payload)]),
                   "length")
    # exact length, with and without the trailing newline: fine
    for trailing in (b"\n", b""):
        st, _h, resp = post_envelope(
            hand_envelope(hdr, [({"type": "event", "length": len(payload)}, payload)], trailing))
        expect(st == 200, "exact length (trailing %r) refused: %r" % (trailing, resp))


def t_two_events():
    ev = make_event()
    p = compact(ev)
    hdr = {"event_id": ev["event_id"], "sent_at": sent_at()}
    expect_invalid(hand_envelope(hdr, [({"type": "event", "length": len(p)}, p),
                                       ({"type": "event", "length": len(p)}, p)]),
                   "more than one")
    tx = compact(make_event(ev["event_id"], type="transaction"))
    expect_invalid(hand_envelope(hdr, [({"type": "event", "length": len(p)}, p),
                                       ({"type": "transaction", "length": len(tx)}, tx)]),
                   "more than one")


def t_header_rules():
    ev = make_event()
    p = compact(ev)
    item = ({"type": "event", "length": len(p)}, p)
    eid = ev["event_id"]
    expect_invalid(hand_envelope({"event_id": eid}, [item]), "sent_at")
    expect_invalid(hand_envelope({"event_id": eid, "sent_at": "yesterday"}, [item]), "RFC 3339")
    expect_invalid(hand_envelope({"event_id": eid, "sent_at": "2024-13-01T00:00:00Z"}, [item]),
                   "sent_at")
    up = make_event(eid.upper())
    expect_invalid(hand_envelope({"event_id": eid.upper(), "sent_at": sent_at()},
                                 [({"type": "event"}, compact(up))]), "lowercase hex")
    dashed = str(uuid.UUID(eid))
    expect_invalid(hand_envelope({"event_id": dashed, "sent_at": sent_at()},
                                 [({"type": "event"}, compact(make_event(dashed)))]), "hex")
    expect_invalid(hand_envelope({"event_id": uuid.uuid4().hex, "sent_at": sent_at()}, [item]),
                   "differs")
    expect_invalid(hand_envelope({"sent_at": sent_at()}, [item]), "no event_id")
    # sentry-php writes the id only in the header: Relay takes it from there
    bare = make_event(eid)
    del bare["event_id"]
    st, _h, resp = post_envelope(hand_envelope({"event_id": eid, "sent_at": sent_at()},
                                               [({"type": "event"}, compact(bare))]))
    expect(st == 200, "payload without event_id: %s %r" % (st, resp))
    # non-compact JSON header line
    body = json.dumps({"event_id": eid, "sent_at": sent_at()}).encode() + b"\n" + \
        compact(item[0]) + b"\n" + p + b"\n"
    expect_invalid(body, "compact")
    # CRLF line endings
    body = compact({"event_id": eid, "sent_at": sent_at()}) + b"\r\n" + compact(item[0]) + \
        b"\r\n" + p + b"\r\n"
    expect_invalid(body, "compact")
    # item without type
    expect_invalid(hand_envelope({"event_id": eid, "sent_at": sent_at()},
                                 [({"length": len(p)}, p)]), "type")
    # stray blank line between items
    cr = compact({"timestamp": time.time(), "discarded_events": []})
    body = hand_envelope({"event_id": eid, "sent_at": sent_at()},
                         [item, ({"type": "client_report"}, b"\n" + cr)])
    expect_invalid(body, "")


def t_payload_rules():
    for drop, needle in (("timestamp", "timestamp"), ("platform", "platform")):
        ev = make_event()
        del ev[drop]
        p = compact(ev)
        expect_invalid(hand_envelope({"event_id": ev["event_id"], "sent_at": sent_at()},
                                     [({"type": "event", "length": len(p)}, p)]), needle)
    ev = make_event()
    p = b"[1,2,3]"
    expect_invalid(hand_envelope({"event_id": ev["event_id"], "sent_at": sent_at()},
                                 [({"type": "event", "length": len(p)}, p)]), "")
    p = b'{"event_id":"' + ev["event_id"].encode() + b'", bad json'
    expect_invalid(hand_envelope({"event_id": ev["event_id"], "sent_at": sent_at()},
                                 [({"type": "event", "length": len(p)}, p)]), "JSON")
    # RFC 3339 timestamp string is fine
    ev = make_event(timestamp="2024-05-01T12:00:00.123456Z")
    p = compact(ev)
    st, _h, resp = post_envelope(hand_envelope({"event_id": ev["event_id"], "sent_at": sent_at()},
                                               [({"type": "event", "length": len(p)}, p)]))
    expect(st == 200, "string timestamp refused: %r" % resp)


def t_client_report_and_attachment():
    # a client_report-only envelope (no event_id) is fine
    cr = compact({"timestamp": time.time(), "discarded_events": [
        {"reason": "queue_overflow", "category": "error", "quantity": 3}]})
    st, _h, resp = post_envelope(hand_envelope({"sent_at": sent_at()},
                                               [({"type": "client_report"}, cr)]))
    expect(st == 200 and json.loads(resp) == {}, "client_report-only: %s %r" % (st, resp))
    last = get_json("/_events")[-1]
    expect(last["event_id"] is None and last["payloads"][0]["discarded_events"][0]["quantity"] == 3,
           "record %r" % last)
    # bad client report
    bad = compact({"timestamp": time.time(), "discarded_events": [{"reason": "x"}]})
    expect_invalid(hand_envelope({"sent_at": sent_at()}, [({"type": "client_report"}, bad)]),
                   "client_report")
    # event + binary attachment (with newlines inside) + client report, built by sentry_sdk
    att = Item(payload=PayloadRef(bytes=b"\x00\x01line1\nline2\n\xff"), type="attachment",
               filename="a.bin")
    rep = Item(payload=PayloadRef(json={"timestamp": time.time(), "discarded_events": []}),
               type="client_report")
    ev, body = sdk_envelope(extra_items=[att, rep])
    st, _h, resp = post_envelope(body)
    expect(st == 200, "event+attachment: %s %r" % (st, resp))
    last = get_json("/_events")[-1]
    expect(last["item_types"] == ["event", "attachment", "client_report"], "types %r" % last)
    expect(last["payloads"][1] == {"_type": "attachment", "_length": 15}, "att %r" % last)


def t_js_parser_is_consulted():
    # Our parser and sentry_sdk accept a zero-length attachment; @sentry/core's parseEnvelope
    # treats "length":0 as "no length" and fails. Proves the JS parser runs on every envelope.
    ev = make_event()
    p = compact(ev)
    body = hand_envelope({"event_id": ev["event_id"], "sent_at": sent_at()},
                         [({"type": "event", "length": len(p)}, p),
                          ({"type": "attachment", "length": 0}, b"")])
    expect_invalid(body, "@sentry/core")


def t_wrong_project():
    _ev, body = sdk_envelope()
    st, _h, resp = post("/api/7/envelope/", body,
                        {"X-Sentry-Auth": auth(), "Content-Type": "application/x-sentry-envelope"})
    expect(st == 400 and b"project" in resp, "wrong project: %s %r" % (st, resp))


def t_chunked_and_keepalive():
    conn = http.client.HTTPConnection("127.0.0.1", R.port, timeout=10)
    ids = []
    socks = set()
    for i in range(3):
        ev, body = sdk_envelope()
        ids.append(ev["event_id"])
        hdrs = {"X-Sentry-Auth": auth(), "Content-Type": "application/x-sentry-envelope"}
        if i == 1:
            conn.request("POST", "/api/%s/envelope/" % PROJECT, body=iter([body[:10], body[10:]]),
                         headers=hdrs, encode_chunked=True)
        else:
            conn.request("POST", "/api/%s/envelope/" % PROJECT, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        expect(resp.status == 200, "request %d: %s %r" % (i, resp.status, data))
        expect(resp.getheader("Content-Length") == str(len(data)), "no Content-Length")
        socks.add(conn.sock.getsockname())
    conn.close()
    expect(len(socks) == 1, "connection was not kept alive: %r" % socks)
    got = [e["event_id"] for e in get_json("/_events")[-3:]]
    expect(got == ids, "recorded %r, sent %r" % (got, ids))


def t_fault_script_order():
    control("/_reset")
    control("/_faults", {"script": [{"status": 503}, {"status": 503}], "then": {"status": 200}})
    ev, body = sdk_envelope()
    statuses = [post_envelope(body)[0] for _ in range(4)]
    expect(statuses == [503, 503, 200, 200], "statuses %r" % statuses)
    st = get_json("/_stats")
    expect(st["envelopes"] == 4 and st["valid"] == 4 and st["invalid"] == 0, "stats %r" % st)
    expect(st["delivered"] == 2 and st["delivered_unique"] == 1, "delivered %r" % st)
    expect(st["duplicates"] == 1 and st["received_duplicates"] == 3, "duplicates %r" % st)
    expect(st["by_status"] == {"503": 2, "200": 2}, "by_status %r" % st["by_status"])
    expect(st["event_ids_unique"] == 1, "unique %r" % st)
    expect([e["status"] for e in get_json("/_events")] == [503, 503, 200, 200], "record statuses")
    expect(get_json("/_events?delivered=1")[0]["event_id"] == ev["event_id"], "delivered filter")
    # a 2xx fault does not turn an invalid envelope into a delivered one
    st, _h, _r = post_envelope(b"not an envelope\n")
    expect(st == 400, "invalid envelope under then:200 answered %s" % st)
    expect(get_json("/_stats")["delivered"] == 2, "invalid envelope counted as delivered")
    control("/_faults", {})
    expect(post_envelope(body)[0] == 200, "faults not cleared")


def t_rate_limit_header():
    control("/_reset")
    rl = "60:error;transaction:key"
    control("/_faults", {"script": [{"status": 429, "headers": {"X-Sentry-Rate-Limits": rl}},
                                    {"headers": {"X-Sentry-Rate-Limits": "2.5::organization"}}]})
    _ev, body = sdk_envelope()
    st, h, _r = post_envelope(body)
    expect(st == 429 and h.get("X-Sentry-Rate-Limits") == rl, "429: %s %r" % (st, h))
    st, h, _r = post_envelope(body)
    expect(st == 200 and h.get("X-Sentry-Rate-Limits") == "2.5::organization",
           "limits on a 200: %s %r" % (st, h))
    st, h, _r = post_envelope(body)
    expect(st == 200 and "X-Sentry-Rate-Limits" not in h, "script not exhausted: %r" % h)


def t_reset_fault():
    control("/_reset")
    control("/_faults", {"script": [{"reset": True}]})
    _ev, body = sdk_envelope()
    s = socket.create_connection(("127.0.0.1", R.port), timeout=10)
    req = ("POST /api/%s/envelope/ HTTP/1.1\r\nHost: x\r\nX-Sentry-Auth: %s\r\n"
           "Content-Type: application/x-sentry-envelope\r\nContent-Length: %d\r\n\r\n"
           % (PROJECT, auth(), len(body))).encode() + body
    s.sendall(req)
    try:
        data = s.recv(4096)
        raise AssertionError("expected a connection reset, got %r" % data)
    except ConnectionResetError:
        pass
    finally:
        s.close()
    # also through urllib: an error, no response
    control("/_faults", {"script": [{"reset": True}]})
    expect_no_answer(body, CUT_OFF, "urllib got a response")
    st = get_json("/_stats")
    expect(st["by_status"].get("reset") == 2 and st["delivered"] == 0, "stats %r" % st)
    expect(post_envelope(body)[0] == 200, "normal after the script")


def t_close_fault():
    control("/_faults", {"script": [{"close": True}]})
    _ev, body = sdk_envelope()
    expect_no_answer(body, CUT_OFF, "got a response")


def t_delay_fault():
    control("/_reset")
    control("/_faults", {"script": [{"delay_ms": 1200, "status": 200}, {"delay_ms": 300}]})
    _ev, body = sdk_envelope()
    t0 = time.monotonic()
    st, _h, _r = post_envelope(body)
    dt = time.monotonic() - t0
    expect(st == 200 and dt >= 1.2, "delay: status %s after %.3f s" % (st, dt))
    # a delayed request does not block others (threaded server)
    t0 = time.monotonic()
    _ev2, body2 = sdk_envelope()
    st, _h, _r = post_envelope(body2)
    expect(st == 200 and time.monotonic() - t0 >= 0.3, "second delay")
    # a client timeout shorter than the delay times out
    control("/_faults", {"script": [{"delay_ms": 800}]})
    expect_no_answer(body, TIMED_OUT, "no timeout", timeout=0.3)
    time.sleep(0.8)
    got = receiver_wait(lambda: get_json("/_events")[-1]["status"] == "client_gone", 3)
    expect(got, "a request the client gave up on is recorded as client_gone")
    st = get_json("/_stats")
    expect(st["delivered"] == 2 and st["by_status"].get("client_gone") == 1, "stats %r" % st)


def receiver_wait(pred, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def t_events_since_and_reset():
    control("/_reset")
    expect(get_json("/_events") == [], "not cleared")
    ids = []
    for _ in range(3):
        ev, body = sdk_envelope()
        ids.append(ev["event_id"])
        expect(post_envelope(body)[0] == 200, "post")
    evs = get_json("/_events?since=1")
    expect([e["event_id"] for e in evs] == ids[1:], "since=1 %r" % evs)
    expect(evs[0]["seq"] == 1, "seq %r" % evs[0].get("seq"))
    expect(get_json("/_events?since=3") == [], "since=3")
    control("/_faults", {"script": [{"status": 500}]})
    control("/_reset")
    expect(get_json("/_faults")["script"] == [], "faults survive reset")
    st = get_json("/_stats")
    expect(st["envelopes"] == 0 and st["by_status"] == {}, "stats after reset %r" % st)


def t_bad_fault_spec():
    st, _h, _r = post("/_faults", b'{"script":[{"stauts":500}]}', {"Content-Type": "application/json"})
    expect(st == 400, "typo accepted: %s" % st)


def t_random_faults():
    control("/_reset")
    _ev, body = sdk_envelope()
    spec = {"random": {"seed": 7, "p": 0.5, "choices": [{"status": 503, "weight": 3},
                                                         {"status": 500}]},
            "script": [{"status": 418}], "then": {"status": 202}}
    got = control("/_faults", spec)
    expect(got["random"]["seed"] == 7 and got["random"]["drawn"] == 0, "faults %r" % got)

    def run(n):
        return [post_envelope(body)[0] for _ in range(n)]

    first = run(201)
    expect(first[0] == 418, "the script goes first: %r" % first[:3])
    rest = first[1:]
    expect(set(rest) <= {503, 500, 202}, "statuses %r" % sorted(set(rest)))
    n503, n500, n202 = rest.count(503), rest.count(500), rest.count(202)
    # p = 0.5 of 200: outside 60..140 has probability < 1e-8
    expect(60 <= n503 + n500 <= 140, "faulted %d of 200 with p=0.5" % (n503 + n500))
    expect(n503 >= 2 * n500, "weights 3:1 not honoured: 503 x%d, 500 x%d" % (n503, n500))
    f = get_json("/_faults")["random"]
    expect(f["drawn"] == 200 and f["faulted"] == n503 + n500 and f["by_choice"] == [n503, n500],
           "counters %r vs 503 x%d, 500 x%d" % (f, n503, n500))
    recs = get_json("/_events")[1:]
    expect([r["fault"].get("random_choice") if r["fault"] and "random_choice" in r["fault"]
            else None for r in recs] == [0 if s == 503 else 1 if s == 500 else None for s in rest],
           "records do not name the random choice they got")
    # the same seed gives the same sequence of decisions
    control("/_faults", spec)
    expect(run(201) == first, "same seed, different sequence")
    # no seed: one is picked and shown, so a run can be repeated
    got = control("/_faults", {"random": {"p": 1, "choices": [{"status": 503}]}})
    expect(isinstance(got["random"]["seed"], int), "no seed shown: %r" % got)
    expect(run(3) == [503, 503, 503], "p=1 does not fault every envelope")
    control("/_faults", {"random": {"p": 0, "choices": [{"status": 503}]}})
    expect(run(20) == [200] * 20, "p=0 faulted")
    control("/_faults", {})
    expect(get_json("/_faults")["random"] is None, "{} does not clear random")


def t_random_stall_and_reset():
    control("/_reset")
    _ev, body = sdk_envelope()
    control("/_faults", {"random": {"seed": 1, "p": 1, "choices": [{"delay_ms": 800}]}})
    expect_no_answer(body, TIMED_OUT, "a stall longer than the client timeout got an answer",
                     timeout=0.3)
    got = receiver_wait(lambda: get_json("/_stats")["by_status"].get("client_gone") == 1, 3)
    expect(got, "a random stall the client gave up on is not client_gone: %r"
           % get_json("/_stats")["by_status"])
    control("/_faults", {"random": {"seed": 1, "p": 1, "choices": [{"delay_ms": 200}]}})
    t0 = time.monotonic()
    st, _h, _r = post_envelope(body, timeout=5)
    expect(st == 200 and time.monotonic() - t0 >= 0.2, "short stall: %s" % st)
    control("/_faults", {"random": {"seed": 1, "p": 1, "choices": [{"reset": True}]}})
    expect_no_answer(body, CUT_OFF, "urllib got a response")
    st = get_json("/_stats")
    expect(st["by_status"].get("reset") == 1 and st["delivered"] == 1, "stats %r" % st)
    control("/_faults", {})


def t_bad_random_spec():
    bad = [
        {"random": {"p": 1.5, "choices": [{"status": 503}]}},
        {"random": {"p": -0.1, "choices": [{"status": 503}]}},
        {"random": {"p": True, "choices": [{"status": 503}]}},
        {"random": {"choices": [{"status": 503}]}},
        {"random": {"p": 0.5, "choices": []}},
        {"random": {"p": 0.5}},
        {"random": {"p": 0.5, "choices": [{"status": 503, "weight": 0}]}},
        {"random": {"p": 0.5, "choices": [{"stauts": 503}]}},
        {"random": {"p": 0.5, "choices": [{"status": 99}]}},
        {"random": {"p": 0.5, "choices": ["503"]}},
        {"random": {"p": 0.5, "seed": "x", "choices": [{"status": 503}]}},
        {"random": {"p": 0.5, "sede": 1, "choices": [{"status": 503}]}},
        {"random": [0.5]},
    ]
    for spec in bad:
        st, _h, _r = post("/_faults", json.dumps(spec).encode(), {"Content-Type": "application/json"})
        expect(st == 400, "%s accepted (%s)" % (json.dumps(spec), st))
    expect(get_json("/_faults")["random"] is None, "a refused spec was applied")


def t_record_file():
    with open(R.record) as f:
        lines = [json.loads(line) for line in f]
    expect(len(lines) > 10, "only %d lines" % len(lines))
    for k in ("received_at", "event_id", "item_types", "headers", "encoding", "sent_at",
              "size_wire", "size_raw", "payloads", "valid", "error", "status"):
        expect(k in lines[-1], "record lacks %s" % k)


def t_concurrency():
    control("/_reset")
    import concurrent.futures
    bodies = [sdk_envelope()[1] for _ in range(40)]
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        sts = list(ex.map(lambda b: post_envelope(b)[0], bodies))
    expect(sts == [200] * 40, "statuses %r" % sts)
    st = get_json("/_stats")
    expect(st["valid"] == 40 and st["delivered_unique"] == 40 and st["invalid"] == 0,
           "stats %r" % st)


def t_tls():
    if not shutil.which("openssl"):
        print("     (openssl not found; TLS check skipped)")
        return
    d = tempfile.mkdtemp(prefix="receiver-tls-")
    try:
        cert, key = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        r = Receiver("--tls-cert", cert, "--tls-key", key)
        try:
            expect(r.url.startswith("https://"), "url %r" % r.url)
            ctx = ssl.create_default_context(cafile=cert)
            _ev, body = sdk_envelope()
            req = urllib.request.Request(r.url + "/api/%s/envelope/" % PROJECT, data=body,
                                         method="POST", headers={
                                             "X-Sentry-Auth": auth(),
                                             "Content-Type": "application/x-sentry-envelope"})
            with urllib.request.urlopen(req, timeout=10, context=ctx) as resp:
                expect(resp.status == 200, "tls status %s" % resp.status)
        finally:
            expect(r.stop() == 0, "tls receiver exit code")
            r.cleanup()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def t_php_client():
    php = shutil.which("php")
    if not php:
        print("     (php not found; client.php check skipped)")
        return
    res = subprocess.run([php, "-n", os.path.join(HERE, "test_client.php")], capture_output=True,
                         timeout=60)
    out = res.stdout.decode("utf-8", "replace")
    for line in out.splitlines():
        print("     " + line)
    expect(res.returncode == 0, "test_client.php exit %d: %s" % (res.returncode,
                                                               res.stderr.decode()[-2000:]))


def pid_alive(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return "\nState:\tZ" not in f.read()
    except FileNotFoundError:
        return False


def t_exit_with_parent():
    code = ("import subprocess,sys,os\n"
            "p=subprocess.Popen([sys.executable,%r,'--port','0','--exit-with-parent'],"
            "stdout=subprocess.PIPE,stderr=subprocess.DEVNULL)\n"
            "print(p.stdout.readline().decode().strip(), p.pid, flush=True)\n"
            "os._exit(0)\n") % os.path.join(HERE, "receiver.py")
    out = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, timeout=30)
    line = out.stdout.decode().strip()
    expect(line.startswith("receiver listening on "), "child said %r" % line)
    pid = int(line.split()[-1])
    deadline = time.monotonic() + 5
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid_alive(pid):
        os.kill(pid, 9)
        raise AssertionError("receiver %d outlived its parent" % pid)


def main():
    global R
    R = Receiver()
    print("receiver at %s (started in %.2f s)" % (R.url, R.startup))
    try:
        checks = [
            ("health", t_health),
            ("valid envelope from sentry_sdk Envelope.serialize accepted and recorded",
             t_valid_sdk_envelope),
            ("gzip body accepted", t_gzip),
            ("deflate body accepted", t_deflate),
            ("zstd body accepted; not-zstd and truncated zstd invalid", t_zstd),
            ("body claiming gzip but not gzip is invalid", t_fake_gzip),
            ("wrong/missing auth -> 401, counted as rejected_auth", t_auth),
            ("sentry_secret is not recorded", t_secret_not_recorded),
            ("wrong Content-Type is invalid", t_content_type),
            ("wrong item length -> 400 invalid", t_wrong_length),
            ("two events in one envelope -> 400", t_two_events),
            ("envelope header rules", t_header_rules),
            ("event payload rules", t_payload_rules),
            ("client_report and attachment items", t_client_report_and_attachment),
            ("@sentry/core parseEnvelope is consulted", t_js_parser_is_consulted),
            ("wrong project id is invalid", t_wrong_project),
            ("chunked body and keep-alive", t_chunked_and_keepalive),
            ("fault script 503,503 then 200 in order", t_fault_script_order),
            ("rate-limit header returned", t_rate_limit_header),
            ("reset fault closes the connection with RST", t_reset_fault),
            ("close fault closes without a response", t_close_fault),
            ("delay fault honoured", t_delay_fault),
            ("/_events?since and /_reset", t_events_since_and_reset),
            ("bad fault spec refused", t_bad_fault_spec),
            ("random faults: seeded, weighted, after the script, before then", t_random_faults),
            ("random stall (client_gone, short) and reset", t_random_stall_and_reset),
            ("bad random fault specs refused", t_bad_random_spec),
            ("record file has one JSON line per envelope", t_record_file),
            ("40 concurrent envelopes", t_concurrency),
            ("TLS", t_tls),
            ("--exit-with-parent: no orphan when the parent dies", t_exit_with_parent),
            ("client.php helpers (php -n test_client.php)", t_php_client),
        ]
        for name, fn in checks:
            check(name, fn)
    finally:
        rc = R.stop()
        check("SIGTERM -> clean exit 0", lambda: expect(rc == 0, "exit code %s, stderr: %s"
                                                         % (rc, R.stderr_text())))
        err = R.stderr_text()
        if "Traceback" in err:
            check("no tracebacks on stderr", lambda: expect(False, err[-2000:]))
        R.cleanup()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

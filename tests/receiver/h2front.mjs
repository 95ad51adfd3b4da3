// HTTP/2 (and HTTP/1.1) over TLS in front of the test receiver, with a response delay.
//
//   node tests/receiver/h2front.mjs --port 0 --cert server.pem --key server.key
//        (--backend http://127.0.0.1:PORT | --sink) [--delay-ms N] [--exit-with-parent]
//        [--streams-per-connection N (900)]
//   node tests/receiver/h2front.mjs --plain …   (cleartext HTTP/2 with prior knowledge, h2c;
//        no TLS, no HTTP/1.1: for clients set to transport.http_version=2-prior-knowledge;
//        the control API is then on a separate HTTP/1.1 port, printed on the ready line)
//
// A TLS server (Node's http2 module, ALPN "h2" and "http/1.1") for the e2e tests and the
// upstream-latency bench:
// - --backend: every request is forwarded over HTTP/1.1 (kept-alive) to the Python receiver
//   (tests/receiver/receiver.py), which checks each envelope strictly with Sentry's parsers
//   and records it; its answer (status, rate-limit headers, body) goes back to the client.
//   The receiver's control API (/_stats, /_events, /_faults, /_reset, …) passes through.
// - --sink: no receiver behind; each envelope is decoded (gzip/deflate) and its header line
//   read for the event_id, answered 200. For the bench, where the Python receiver
//   (~1,000 envelopes/s) would be the bottleneck. Counts unique event_ids and duplicates.
// Every envelope POST (path /api/<project>/envelope/) is answered delay_ms after it arrived.
// An HTTP/2 connection is closed gracefully (GOAWAY NO_ERROR; open streams are answered)
// after --streams-per-connection streams, as nginx does after keepalive_requests (1000).
// This also keeps each connection below nghttp2's rapid-reset guard, which Node 20 cannot
// tune: libcurl 7.88 ends nearly every stream with RST_STREAM(STREAM_CLOSED), and after
// 1,000 of them (+33/s) nghttp2 would send GOAWAY(INTERNAL_ERROR) and Node would drop
// streams that were already read, which the client then resends (duplicates).
//
// Its own control API (never delayed, never forwarded):
//   GET  /_front/stats  -> {requests, by_protocol:{"2.0":n,"1.1":n}, connections (TLS
//        connections accepted), max_open_connections, open_connections,
//        envelope_connections (connections that carried an envelope POST; control requests
//        are not counted), open_/max_open_envelope_connections, tls_resumed /
//        envelope_tls_resumed (TLS connections, all / envelope-carrying ones, that resumed an
//        earlier TLS session), max_in_flight
//        (concurrent envelope requests), delay_ms, envelopes_ok, unique_event_ids,
//        duplicates, invalid, backend_errors}
//   POST /_front/config {"delay_ms": N, "hold": bool}   POST /_front/reset (counters)
//   (hold: envelope answers wait until it is set back to false, so a test can see the
//   client's whole in-flight window at once)
// When ready it prints one line on stdout: "h2front listening on https://127.0.0.1:PORT".
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import zlib from 'node:zlib';

function parseArgs(argv) {
  const o = { port: 0, host: '127.0.0.1', delayMs: 0, backend: null, sink: false, exitWithParent: false, streamsPerConnection: 900 };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') o.port = Number(next());
    else if (a === '--host') o.host = next();
    else if (a === '--cert') o.cert = next();
    else if (a === '--key') o.key = next();
    else if (a === '--delay-ms') o.delayMs = Number(next());
    else if (a === '--backend') o.backend = new URL(next());
    else if (a === '--sink') o.sink = true;
    else if (a === '--plain') o.plain = true;
    else if (a === '--streams-per-connection') o.streamsPerConnection = Number(next());
    else if (a === '--exit-with-parent') o.exitWithParent = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.plain && (!o.cert || !o.key)) throw new Error('--cert and --key are required (or --plain)');
  if (!o.backend === !o.sink) throw new Error('exactly one of --backend URL and --sink');
  if (!Number.isInteger(o.delayMs) || o.delayMs < 0) throw new Error('--delay-ms: a non-negative integer');
  return o;
}

let opts;
try {
  opts = parseArgs(process.argv);
} catch (e) {
  process.stderr.write(`h2front: ${e.message}\n`);
  process.exit(2);
}

function freshStats() {
  return {
    requests: 0, by_protocol: {}, connections: 0, open_connections: 0, max_open_connections: 0,
    envelope_connections: 0, open_envelope_connections: 0, max_open_envelope_connections: 0,
    in_flight: 0, max_in_flight: 0, envelopes_ok: 0, unique_event_ids: 0, duplicates: 0,
    invalid: 0, backend_errors: 0, tls_resumed: 0, envelope_tls_resumed: 0,
  };
}
let stats = freshStats();
let carriers = new WeakSet(); // connections (h2 sessions or sockets) that carried an envelope

// Connections are counted twice: every TLS connection (control requests included), and
// those that carried at least one envelope POST (what a test of the client asserts on).
function countCarrier(req) {
  const conn = req.stream ? req.stream.session : req.socket;
  if (!conn || carriers.has(conn)) return;
  carriers.add(conn);
  stats.envelope_connections++;
  const tlsSock = req.stream ? conn.socket : conn;
  if (tlsSock && typeof tlsSock.isSessionReused === 'function' && tlsSock.isSessionReused()) stats.envelope_tls_resumed++;
  stats.open_envelope_connections++;
  stats.max_open_envelope_connections = Math.max(stats.max_open_envelope_connections, stats.open_envelope_connections);
  const gen = stats;
  conn.once('close', () => { gen.open_envelope_connections--; });
}
let seen = new Set();
let delayMs = opts.delayMs;
let hold = false; // while true, envelope answers wait (for tests that need a full window)
let held = [];

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function reply(res, status, headers, body) {
  if (res.destroyed || res.writableEnded) return;
  try {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body ?? ''), ...headers });
    res.end(body);
  } catch {
    /* the client hung up */
  }
}

// The sink's reading of an envelope: decoded body, compact JSON header line, a string
// X-Sentry-Auth with a sentry_key. Returns the event_id ("" when none) or throws.
function sinkCheck(req, body) {
  const auth = req.headers['x-sentry-auth'];
  if (typeof auth !== 'string' || !/sentry_key=[^,\s]+/.test(auth)) throw new Error('no X-Sentry-Auth key');
  const enc = req.headers['content-encoding'] || 'identity';
  let raw = body;
  if (enc === 'gzip') raw = zlib.gunzipSync(body);
  else if (enc === 'deflate') raw = zlib.inflateSync(body);
  else if (enc !== 'identity') throw new Error(`encoding ${enc}`);
  const nl = raw.indexOf(10);
  const header = JSON.parse(raw.subarray(0, nl < 0 ? raw.length : nl).toString('utf8'));
  if (nl < 0 || nl + 1 >= raw.length) throw new Error('no item');
  return typeof header.event_id === 'string' ? header.event_id : '';
}

function forward(req, body, path) {
  return new Promise((resolve) => {
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (!k.startsWith(':') && !['connection', 'host', 'transfer-encoding', 'keep-alive'].includes(k)) headers[k] = v;
    }
    headers['content-length'] = String(body.length);
    const r = http.request({
      host: opts.backend.hostname, port: opts.backend.port, method: req.method, path, headers, agent,
    }, (br) => {
      readBody(br).then((b) => resolve({ status: br.statusCode, headers: br.headers, body: b }),
        () => resolve(null));
    });
    r.on('error', () => resolve(null));
    r.end(body);
  });
}

const PASS_HEADERS = ['x-sentry-rate-limits', 'retry-after', 'content-type'];

async function onEnvelope(req, res, path) {
  const t0 = Date.now();
  stats.in_flight++;
  stats.max_in_flight = Math.max(stats.max_in_flight, stats.in_flight);
  let status = 200, headers = {}, out = '{}';
  try {
    const body = await readBody(req);
    if (opts.sink) {
      try {
        const id = sinkCheck(req, body);
        stats.envelopes_ok++;
        if (id) {
          if (seen.has(id)) stats.duplicates++;
          else { seen.add(id); stats.unique_event_ids++; }
        }
        out = JSON.stringify(id ? { id } : {});
      } catch (e) {
        stats.invalid++;
        status = 400;
        out = JSON.stringify({ detail: `invalid envelope: ${e.message}` });
      }
    } else {
      const b = await forward(req, body, path);
      if (!b) {
        stats.backend_errors++;
        status = 502;
        out = '{"detail":"receiver unreachable"}';
      } else {
        status = b.status;
        out = b.body;
        for (const h of PASS_HEADERS) if (b.headers[h] !== undefined) headers[h] = b.headers[h];
      }
    }
  } catch {
    status = 400;
  }
  const finish = () => {
    if (hold) return void held.push(finish);
    stats.in_flight--;
    reply(res, status, headers, out);
  };
  const wait = delayMs - (Date.now() - t0);
  if (wait > 0) setTimeout(finish, wait);
  else finish();
}

async function onControl(req, res, path) {
  if (path === '/_front/stats') return reply(res, 200, {}, JSON.stringify({ ...stats, delay_ms: delayMs, hold, held: held.length }));
  if (path === '/_front/reset' && req.method === 'POST') {
    await readBody(req);
    const open = stats.open_connections;
    stats = freshStats();
    stats.open_connections = open;
    seen = new Set();
    carriers = new WeakSet();
    return reply(res, 200, {}, '{}');
  }
  if (path === '/_front/config' && req.method === 'POST') {
    try {
      const c = JSON.parse((await readBody(req)).toString('utf8') || '{}');
      for (const k of Object.keys(c)) if (k !== 'delay_ms' && k !== 'hold') throw new Error(`unknown key ${k}`);
      if (c.delay_ms !== undefined) {
        if (!Number.isInteger(c.delay_ms) || c.delay_ms < 0) throw new Error('delay_ms: a non-negative integer');
        delayMs = c.delay_ms;
      }
      if (c.hold !== undefined) {
        if (typeof c.hold !== 'boolean') throw new Error('hold: true or false');
        hold = c.hold;
        if (!hold) {
          const go = held;
          held = [];
          go.forEach((f) => f());
        }
      }
      return reply(res, 200, {}, JSON.stringify({ delay_ms: delayMs, hold }));
    } catch (e) {
      return reply(res, 400, {}, JSON.stringify({ detail: e.message }));
    }
  }
  return reply(res, 404, {}, '{"detail":"unknown control path"}');
}

const serverOptions = {
  allowHTTP1: true,
  settings: { maxConcurrentStreams: 1000 },
  maxSessionMemory: 512, // MB: Node's default (10) resets busy sessions with GOAWAY
  maxSessionInvalidFrames: 1000000000,
  maxSessionRejectedStreams: 1000000000,
};
const server = opts.plain
  ? http2.createServer(serverOptions)
  : http2.createSecureServer({ ...serverOptions, cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key) });
server.on(opts.plain ? 'connection' : 'secureConnection', (sock) => {
  stats.connections++;
  if (!opts.plain && sock.isSessionReused()) stats.tls_resumed++;
  stats.open_connections++;
  stats.max_open_connections = Math.max(stats.max_open_connections, stats.open_connections);
  sock.on('close', () => { stats.open_connections--; });
});
function onRequest(req, res) {
  const path = req.url || '/';
  if (path.startsWith('/_front/')) return void onControl(req, res, path);
  if (req.method === 'POST' && /^\/api\/[^/]+\/envelope\/?$/.test(path.split('?')[0])) {
    stats.requests++;
    stats.by_protocol[req.httpVersion] = (stats.by_protocol[req.httpVersion] || 0) + 1;
    countCarrier(req);
    return void onEnvelope(req, res, path);
  }
  if (opts.sink) {
    if (path === '/_health') return reply(res, 200, { 'content-type': 'text/plain' }, 'ok');
    return reply(res, 404, {}, '{"detail":"not found"}');
  }
  // The receiver's control API, undelayed.
  readBody(req).then((body) => forward(req, body, path)).then((b) => {
    if (!b) return reply(res, 502, {}, '{"detail":"receiver unreachable"}');
    const headers = {};
    if (b.headers['content-type']) headers['content-type'] = b.headers['content-type'];
    return reply(res, b.status, headers, b.body);
  });
}
server.on('request', onRequest);
server.on('sessionError', (e) => { stats.session_errors = (stats.session_errors || 0) + 1; stats.last_session_error = String(e); });
server.on('session', (sess) => {
  let streams = 0;
  sess.on('stream', () => {
    if (++streams === opts.streamsPerConnection) {
      stats.graceful_goaways = (stats.graceful_goaways || 0) + 1;
      sess.close(); // GOAWAY(NO_ERROR, last stream), then ends once its streams are done
    }
  });
  sess.on('goaway', (code) => { stats.goaways_received = (stats.goaways_received || 0) + 1; stats.last_goaway = code; });
  sess.on('stream', (st) => st.on('close', () => { if (st.rstCode) { stats.rst_codes = stats.rst_codes || {}; stats.rst_codes[st.rstCode] = (stats.rst_codes[st.rstCode] || 0) + 1; } }));
  sess.on('stream', (st) => st.on('error', (e) => { stats.stream_errors = (stats.stream_errors || 0) + 1; stats.last_stream_error = String(e); }));
  sess.on('error', (e) => { stats.session_errors = (stats.session_errors || 0) + 1; stats.last_session_error = String(e); });
  sess.on('close', () => { stats.sessions_closed = (stats.sessions_closed || 0) + 1; });
});
server.on('tlsClientError', () => {});

const stop = () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 1000).unref();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (opts.exitWithParent) {
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 300).unref();
}
// Cleartext HTTP/2 speaks prior knowledge only: the control API gets an HTTP/1.1 port of
// its own ("control http://…" on the ready line).
const control = opts.plain ? http.createServer(onRequest) : null;
server.listen(opts.port, opts.host, () => {
  const url = `${opts.plain ? 'http' : 'https'}://${opts.host}:${server.address().port}`;
  if (!control) return void process.stdout.write(`h2front listening on ${url}\n`);
  control.listen(0, opts.host, () => {
    process.stdout.write(`h2front listening on ${url} control http://${opts.host}:${control.address().port}\n`);
  });
});

// Persistent envelope validator built on Sentry's own JavaScript parser
// (parseEnvelope from the npm package @sentry/core).
//
// Protocol on stdin, one request after another:
//   "#<n>\n" followed by exactly n raw bytes  (length-prefixed), or
//   "<base64>\n"                              (one base64-encoded envelope per line).
// An empty line is ignored. For every request exactly one JSON line is written to stdout:
//   {"ok":true,  "event_id":…|null, "items":["event",…], "lengths":[n,…], "header":{…}}
//   {"ok":false, "error":"…", "items":[…]}
// "lengths" are the byte lengths of each item payload as parseEnvelope returned it
// (JSON items without a "length" header are re-serialised, so their length is reported as null).
//
// parseEnvelope itself is lenient about structure (it only throws on bad JSON), so on top of
// it this script checks what any consumer of its result would rely on: header and item
// headers are objects, every item header has a string "type", and event / transaction /
// client_report payloads given as bytes (because of a "length" header) are JSON objects.
import { parseEnvelope } from '@sentry/core';

const JSON_TYPES = new Set(['event', 'transaction', 'client_report', 'session', 'sessions',
  'check_in', 'feedback', 'user_report', 'profile', 'replay_event', 'log', 'span']);

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function validate(buf) {
  const items = [];
  try {
    const env = parseEnvelope(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
    if (!Array.isArray(env) || env.length !== 2) throw new Error('parseEnvelope returned no [header, items] pair');
    const [header, parsedItems] = env;
    if (!isPlainObject(header)) throw new Error('envelope header is not a JSON object');
    const lengths = [];
    parsedItems.forEach(([itemHeader, payload], i) => {
      if (!isPlainObject(itemHeader)) throw new Error(`item ${i}: header is not a JSON object`);
      if (typeof itemHeader.type !== 'string' || itemHeader.type === '') {
        throw new Error(`item ${i}: header has no string "type"`);
      }
      items.push(itemHeader.type);
      let obj = payload;
      if (payload instanceof Uint8Array) {
        lengths.push(payload.length);
        if (typeof itemHeader.length === 'number' && payload.length !== itemHeader.length) {
          throw new Error(`item ${i}: header length ${itemHeader.length} but only ${payload.length} bytes left`);
        }
        if (JSON_TYPES.has(itemHeader.type)) {
          obj = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
        }
      } else {
        lengths.push(null);
      }
      if ((itemHeader.type === 'event' || itemHeader.type === 'transaction' ||
           itemHeader.type === 'client_report') && !isPlainObject(obj)) {
        throw new Error(`item ${i}: ${itemHeader.type} payload is not a JSON object`);
      }
    });
    return {
      ok: true,
      event_id: typeof header.event_id === 'string' ? header.event_id : null,
      items,
      lengths,
      header,
    };
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e), items };
  }
}

// ---- stdin framing -------------------------------------------------------------------
let pending = Buffer.alloc(0);
let want = -1; // >= 0 while waiting for the body of a length-prefixed request

function answer(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function pump() {
  for (;;) {
    if (want >= 0) {
      if (pending.length < want) return;
      const body = pending.subarray(0, want);
      pending = pending.subarray(want);
      want = -1;
      answer(validate(Buffer.from(body)));
      continue;
    }
    const nl = pending.indexOf(10);
    if (nl < 0) return;
    const line = pending.subarray(0, nl).toString('latin1').replace(/\r$/, '');
    pending = pending.subarray(nl + 1);
    if (line === '') continue;
    if (line[0] === '#') {
      const n = Number(line.slice(1));
      if (!Number.isInteger(n) || n < 0) {
        answer({ ok: false, error: `bad length prefix ${JSON.stringify(line)}`, items: [] });
        continue;
      }
      want = n;
      continue;
    }
    answer(validate(Buffer.from(line, 'base64')));
  }
}

process.stdin.on('data', (chunk) => {
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  pump();
});
process.stdin.on('end', () => process.exit(0));
// Announce readiness so the parent knows the module resolved.
answer({ ready: true, parser: '@sentry/core parseEnvelope' });

// Fault runs against a real workerd, in two sizes: bounded (npm test) and
// full (npm run bench). Each returns counts; the callers assert or print.
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWorker } from "./workerd.mjs";

const sid = () => randomBytes(16).toString("hex");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function put(w, key, site, spec) {
  const r = await fetch(`${w.url}/v1/sites/${site}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  if (!r.ok) throw new Error(`site ${site}: ${r.status} ${await r.text()}`);
}

const pool = (n, base = 1000000) => Array.from({ length: n }, (_, i) => `+7499${String(base + i).padStart(7, "0")}`);

async function lease(w, site, id, headers = {}, extra = {}) {
  const r = await fetch(`${w.url}/v1/sites/${site}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ session_id: id, url: "http://fault.test/?gclid=x", ...extra }),
  });
  const body = await r.json().catch(() => null);
  return { status: r.status, body };
}

/**
 * Kills workerd with SIGKILL in the middle of a lease load, starts it
 * again, and counts: leases acknowledged before the kill, found again after
 * it, lost, numbers held twice; then whether the alarm still expires them.
 */
export async function killDuringLoad({ adminKey, concurrency = 20, killAfterMs = 1500, fixationSecs = 4, shards = 1 }) {
  const state = mkdtempSync(join(tmpdir(), "calltrack-kill-"));
  let w = await startWorker({ vars: { ADMIN_KEY: adminKey, TEST_FAULTS: "on" }, persistTo: state });
  const acked = new Map(); // session -> number
  let inFlightFailed = 0;
  try {
    await put(w, adminKey, "kill", {
      origins: ["http://fault.test"],
      region: "RU",
      targets: [{ number: "+74951234567", pool: pool(2000) }],
      fixation_secs: fixationSecs,
      heartbeat_secs: 1,
      cooldown_secs: 0,
      grace_secs: 0,
      limits: { sessions_per_client_per_minute: 1_000_000, sessions_per_site_per_minute: 1_000_000 },
      shards,
    });
    let stop = false;
    const killer = sleep(killAfterMs).then(async () => {
      stop = true;
      await w.stop("SIGKILL");
    });
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (!stop) {
          const id = sid();
          try {
            const r = await lease(w, "kill", id);
            if (r.status === 201 && r.body?.numbers?.[0]?.kind === "dynamic") acked.set(id, r.body.numbers[0].number);
          } catch {
            inFlightFailed++;
          }
        }
      }),
    );
    await killer;
    w = await startWorker({ vars: { ADMIN_KEY: adminKey, TEST_FAULTS: "on" }, persistTo: state });
    const auth = { headers: { authorization: `Bearer ${adminKey}` } };
    // Every acknowledged lease is in the stored journal, with its number;
    // no number's intervals overlap (held by two sessions at once).
    const journals = new Map();
    for (const number of new Set(acked.values())) {
      const j = await (await fetch(`${w.url}/v1/sites/kill/journal?number=${encodeURIComponent(number)}`, auth)).json();
      journals.set(number, j.entries);
    }
    // Counted from the stored journal, not from the pool's live leases: a
    // restart slower than the fixation (a cold machine) must not look like a
    // loss. A lease stored whole is still open, or ended at its deadline
    // (from + fixation: expiry ends a lease at its deadline, never earlier).
    let found = 0;
    let stored = 0;
    for (const [id, number] of acked) {
      const mine = journals.get(number).filter((e) => e.session_id === id);
      if (mine.length) found++;
      if (mine.some((e) => e.until === null || e.until - e.from >= fixationSecs * 1000)) stored++;
    }
    let duplicates = 0;
    for (const entries of journals.values()) {
      const sorted = [...entries].sort((a, b) => a.from - b.from);
      for (let k = 1; k < sorted.length; k++) {
        const prev = sorted[k - 1];
        if (prev.until === null || prev.until > sorted[k].from) duplicates++;
      }
    }
    // The alarm still runs: with no heartbeats, every lease ends after the
    // fixation. The test clock moves past it (on every shard), and what fell
    // due runs at once.
    const moved = await fetch(`${w.url}/v1/sites/kill/_test/clock`, {
      method: "POST",
      headers: { ...auth.headers, "content-type": "application/json" },
      body: JSON.stringify({ advance_ms: (fixationSecs + 1) * 1000 }),
    });
    const leased = async () => (await (await fetch(`${w.url}/v1/sites/kill/pools`, auth)).json()).pools[0].leased;
    let leasedAfter;
    if (moved.status === 200) {
      leasedAfter = await leased();
    } else {
      // A build without the test clock (npm run bench): the fixation passes in real time.
      const deadline = Date.now() + (fixationSecs + 20) * 1000;
      do {
        await sleep(500);
        leasedAfter = await leased();
      } while (leasedAfter !== 0 && Date.now() < deadline);
    }
    return {
      acknowledged: acked.size,
      stored_whole: stored,
      found,
      lost: acked.size - found,
      duplicates,
      failed_in_flight: inFlightFailed,
      leased_after_fixation: leasedAfter,
    };
  } finally {
    await w.stop();
    rmSync(state, { recursive: true, force: true });
  }
}

/**
 * One client creates sessions as fast as it can while normal visitors
 * arrive; the share of normal visitors that still got a dynamic number.
 */
export async function drain({ adminKey, seconds = 3, poolSize = 60, visitors = 40, w: given, shards = 1 }) {
  const w = given ?? (await startWorker({ vars: { ADMIN_KEY: adminKey } }));
  try {
    await put(w, adminKey, "drain", {
      origins: ["http://fault.test"],
      region: "RU",
      targets: [{ number: "+74951234567", pool: pool(poolSize), fallback: "+74990009999" }],
      cooldown_secs: 0,
      shards,
    });
    let attacker = { sent: 0, leased: 0, limited: 0 };
    let stop = false;
    const attack = (async () => {
      const ip = { "x-real-ip": "198.51.100.66" };
      while (!stop) {
        const r = await lease(w, "drain", sid(), ip);
        attacker.sent++;
        if (r.status === 201 && r.body.numbers[0].kind === "dynamic") attacker.leased++;
        if (r.status === 429) attacker.limited++;
      }
    })();
    let dynamic = 0;
    const gap = (seconds * 1000) / visitors;
    for (let i = 0; i < visitors; i++) {
      const r = await lease(w, "drain", sid(), { "x-real-ip": `203.0.113.${(i % 250) + 1}` });
      if (r.status === 201 && r.body.numbers[0].kind === "dynamic") dynamic++;
      await sleep(gap);
    }
    stop = true;
    await attack;
    return { pool: poolSize, attacker, visitors, visitors_dynamic: dynamic, share: dynamic / visitors };
  } finally {
    if (!given) await w.stop();
  }
}

/**
 * The load test of the live-lease cap: a pool of `poolSize` (defaults
 * otherwise: the cap is a tenth of the pool, new sessions 20 a minute per
 * client and 600 per site), and an attacker taking new sessions as fast as
 * it can for `seconds`, from one address, from one IPv6 /64 (a new address
 * of it each time), or from `rotating` IPv4 addresses, while `visitors` real
 * visitors arrive, each from an address of its own. Counts the numbers the
 * attacker holds at the end, and how many real visitors were leased one.
 */
export async function drainScenarios({ adminKey, seconds = 10, poolSize = 50, visitors = 200, rotating = 1000 }) {
  const { startTurnstile, PASS_SECRET, PASS_SITE_KEY, DUMMY_TOKEN } = await import("./turnstile.mjs");
  const out = [];
  const scenarios = [["one address"], ["one /64"], [`${rotating} addresses`], [`${rotating} addresses, Turnstile below 25% free (its default)`, 25], [`${rotating} addresses, Turnstile always`, 100]];
  for (const [kind, below] of scenarios) {
    const w = await startWorker({ vars: { ADMIN_KEY: adminKey } });
    // A stand-in of its own: a token counts once per visitor.
    const ts = await startTurnstile();
    const turnstile = below !== undefined;
    try {
      await put(w, adminKey, "drain", {
        origins: ["http://fault.test"],
        region: "RU",
        targets: [{ number: "+74951234567", pool: pool(poolSize), fallback: "+74990009999" }],
        ...(turnstile
          ? { integrations: { turnstile: { site_key: PASS_SITE_KEY, secret_key: PASS_SECRET, when_free_below_percent: below, verify_url: ts.verify, script_url: ts.script } } }
          : {}),
      });
      const from = (i) => {
        if (kind === "one address") return { "x-real-ip": "198.51.100.66" };
        if (kind === "one /64") return { "x-real-ip": `2001:db8:66:66:${(i % 65536).toString(16)}:${(i >> 16).toString(16)}::1` };
        return { "x-real-ip": `10.66.${i >> 8}.${i & 255}` };
      };
      const attacker = { sent: 0, limited: 0, held: new Set() };
      let stop = false;
      const attack = Array.from({ length: 8 }, async (_, lane) => {
        for (let i = lane; !stop; i += 8) {
          const n = kind.includes("addresses") ? i % rotating : i;
          const r = await lease(w, "drain", sid(), from(n));
          attacker.sent++;
          if (r.status === 429) attacker.limited++;
          if (r.status === 201 && r.body.numbers[0].kind === "dynamic") attacker.held.add(r.body.numbers[0].number);
        }
      });
      let dynamic = 0;
      let refused = 0;
      const gap = (seconds * 1000) / visitors;
      for (let i = 0; i < visitors; i++) {
        const ip = { "x-real-ip": `203.0.${113 + (i >> 8)}.${(i % 250) + 1}` };
        const id = sid();
        let r = await lease(w, "drain", id, ip);
        // A real browser asked for proof solves the widget (the attacker does not).
        if (r.body?.challenge) r = await lease(w, "drain", id, ip, { turnstile_token: DUMMY_TOKEN });
        if (r.status === 201 && r.body.numbers[0].kind === "dynamic") dynamic++;
        if (r.status === 429) refused++;
        await sleep(gap);
      }
      stop = true;
      await Promise.all(attack);
      out.push({ kind, pool: poolSize, attacker: { sent: attacker.sent, limited: attacker.limited, held: attacker.held.size }, visitors, dynamic, refused });
    } finally {
      await w.stop();
      await ts.close();
    }
  }
  return out;
}

/** A small seeded generator, so a failing fuzz case can be replayed. */
function rng(seed) {
  let s = BigInt(seed) & 0xffffffffffffffffn;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return Number((z ^ (z >> 31n)) & 0xffffffffn) / 2 ** 32;
  };
}

const WEIRD = ["", "null", "[]", "{}", "0", "-1", "1e309", "\"\"", "true", "{\"a\":", "\u0000", "\ud800", "%", "💥", "<xml/>", "a".repeat(5000)];

function mutate(r, valid) {
  const s = JSON.stringify(valid);
  const pick = (a) => a[Math.floor(r() * a.length)];
  switch (Math.floor(r() * 8)) {
    case 0: return s.slice(0, Math.floor(r() * s.length)); // truncated
    case 1: { // a byte flipped
      const i = Math.floor(r() * s.length);
      return s.slice(0, i) + String.fromCharCode(Math.floor(r() * 128)) + s.slice(i + 1);
    }
    case 2: { // a field of the wrong type
      const k = pick(Object.keys(valid));
      return JSON.stringify({ ...valid, [k]: pick([123, -5.5, true, null, [], {}, "x".repeat(3000), [1, [2, [3]]]]) });
    }
    case 3: return JSON.stringify({ ...valid, [pick(["extra", "__proto__", "constructor", "", "💥"])]: pick([1, "x", null]) });
    case 4: return pick(WEIRD);
    case 5: return "[".repeat(200) + "]".repeat(200); // deep nesting
    case 6: return JSON.stringify({ ...valid, [pick(Object.keys(valid))]: pick(WEIRD) });
    default: return Buffer.from([0xff, 0xfe, 0xfd, Math.floor(r() * 256)]); // not UTF-8
  }
}

/**
 * Malformed bodies at the public and webhook endpoints: counts of answers
 * by status; any 5xx is a failure; stored state must not change.
 */
export async function fuzz({ adminKey, iterations = 200, seed = 1, w: given, shards = 1 }) {
  const w = given ?? (await startWorker({ vars: { ADMIN_KEY: adminKey } }));
  const token = "fuzz-twilio-token";
  try {
    await put(w, adminKey, "fuzz", {
      origins: ["http://fault.test"],
      region: "RU",
      targets: [{ number: "+74951234567", pool: pool(10), fallback: "+74990009999" }],
      integrations: { twilio: { auth_token: token } },
      limits: { sessions_per_client_per_minute: 1_000_000, sessions_per_site_per_minute: 1_000_000 },
      shards,
    });
    // Some real state to protect.
    const known = sid();
    const first = await lease(w, "fuzz", known);
    const auth = { authorization: `Bearer ${adminKey}` };
    await fetch(`${w.url}/v1/sites/fuzz/calls`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ call_id: "keep-1", tracking_number: first.body.numbers[0].number, caller: "+79161234567" }),
    });
    const snapshot = async () => {
      const get = async (p) => (await fetch(`${w.url}/v1/sites/fuzz${p}`, { headers: auth })).text();
      const pools = JSON.parse(await get("/pools"));
      for (const p of pools.pools) delete p.requests; // counts lease calls, not state
      return JSON.stringify([await get(""), pools, await get("/calls?limit=500"), await get("/coverage"), await get(`/journal?number=${encodeURIComponent(first.body.numbers[0].number)}`)]);
    };
    let baseline = await snapshot();
    const changed = [];
    let accepted = 0;
    const targets = [
      { path: "/sessions", valid: { session_id: sid(), url: "http://fault.test/", referrer: null, ga_client_id: "1.2" } },
      { path: `/sessions/${known}/heartbeat`, valid: { coverage: { page: "http://fault.test/", found: 1, swapped: 1, unswapped: {} } } },
      { path: "/leads", valid: { session_id: known, name: "A", phone: "+79160000000", lead_id: "x" } },
      { path: "/calls", valid: { call_id: "fz", tracking_number: "+74991000000", caller: "+79160000000", status: "answered" }, headers: auth },
      { path: "/calls/keep-1", method: "PATCH", valid: { status: "busy", duration_secs: 5, tags: ["a"] }, headers: auth },
      { path: "/twilio/voice", form: true, valid: { CallSid: "CAfuzz", From: "+79160000000", To: "+74991000000" } },
      { path: "/twilio/status", form: true, valid: { CallSid: "keep-1", DialCallStatus: "busy" } },
    ];
    const r = rng(seed);
    const byStatus = {};
    const fivexx = [];
    for (let i = 0; i < iterations; i++) {
      const t = targets[i % targets.length];
      let body = mutate(r, t.valid);
      const headers = { ...(t.headers ?? {}) };
      const url = `${w.url}/v1/sites/fuzz${t.path}`;
      if (t.form) {
        headers["content-type"] = "application/x-www-form-urlencoded";
        if (typeof body === "string") {
          // A malformed form, signed correctly half of the time: the signature is no shield for the parser.
          body = body.replace(/[{}"]/g, "").replace(/:/g, "=").replace(/,/g, "&");
          if (r() < 0.5) {
            const pairs = [...new URLSearchParams(body)];
            const data = pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).reduce((s, [k, v]) => s + k + v, url);
            headers["x-twilio-signature"] = createHmac("sha1", token).update(data).digest("base64");
          }
        }
      } else {
        headers["content-type"] = r() < 0.9 ? "application/json" : pick(r, ["text/plain", "application/x-www-form-urlencoded", "", "application/json; charset=utf-16"]);
      }
      let res;
      try {
        res = await fetch(url, { method: t.method ?? "POST", headers, body });
      } catch (e) {
        fivexx.push(`${t.path}: no answer (${e.message})`);
        continue;
      }
      await res.arrayBuffer();
      byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      if (res.status >= 500) fivexx.push(`${t.path} ${res.status}: ${String(body).slice(0, 200)}`);
      // A mutation that is still valid input may change state; a refused one may not.
      const now = await snapshot();
      if (res.ok) {
        accepted++;
      } else if (now !== baseline) {
        changed.push(`${t.path} ${res.status}: ${String(body).slice(0, 200)}`);
      }
      baseline = now;
    }
    return { iterations, accepted, byStatus, fivexx, changed };
  } finally {
    if (!given) await w.stop();
  }
}

function pick(r, a) {
  return a[Math.floor(r() * a.length)];
}

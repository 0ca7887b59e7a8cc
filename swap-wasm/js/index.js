// The ESM entry, for app developers and tag managers.
//
// A fixed mapping, no network at all (static numbers, tests, support):
//
//   import { swapNumbers } from "calltrack";
//   const handle = await swapNumbers({ numbers: { "+74951234567": "+74997654321" }, region: "RU", endpoint: "https://edge.example" });
//   handle.stats();    // { found, swapped } since the start
//   handle.coverage(); // { found, swapped, unswapped: { reason: count } } on the page now
//   handle.destroy();  // originals back
//
// The leasing client (one per page; the script tag runs it for you):
//
//   import { start, ready, numbers, sessionId, consent, destroy } from "calltrack";
//   start({ site: "demo", endpoint: "https://edge.example" });
//   await ready();     // numbers shown, or the fallback in place
//   numbers();         // { "+74951234567": "+74990000001" }
//
// Events on document: dni:assigned, dni:swapped, dni:fallback.
import init, { SwapHandle, addNumbering } from "./swap_wasm.js";

let loading;
let wasmUrl;

/** Where the wasm is: beside this module, or (the script tag) beside the tag's script. */
export const locate = (url) => (wasmUrl = url);

/**
 * Loads the wasm module once, checked against the hash the build put here
 * (Subresource Integrity: a changed file is refused, not run).
 */
export function load() {
  loading ??= init({
    module_or_path: fetch(wasmUrl ?? new URL("./swap_wasm_bg.wasm", import.meta.url), { integrity: WASM_INTEGRITY }),
  });
  return loading;
}

/**
 * Swaps every written form of each original number for its tracking number,
 * in the original's format, under `root` (default: document.body), and keeps
 * watching for content added later unless `observe` is false. A number
 * mapped to itself is watched and counted (coverage), not changed.
 * National forms (`8 (495) 123-45-67`, `01 23 45 67 89`) are read for
 * `region` with its numbering line: `numbering` (the edge sends the site's
 * with the lease; `GET /v1/numbering/{region}` gives any), or fetched from
 * `endpoint` (the edge's address) once per page. Without it they are left,
 * counted as `unread` in coverage() (and as found, not swapped, in stats()),
 * and the console says so once.
 */
export async function swapNumbers({ numbers, region = "", numbering = "", endpoint = "", root, ignore = "", observe = true, written = false } = {}) {
  if (root != null && !(root instanceof Node && [1, 9, 11].includes(root.nodeType))) {
    throw new TypeError("root: an element, a document or a shadow root");
  }
  await load();
  if (!numbering && region && endpoint && !lines.has(region)) {
    // One request per region and page, however many swaps ask; what is not a line is none.
    if (!fetches.has(region)) {
      const url = `${String(endpoint).replace(/\/$/, "")}/v1/numbering/${encodeURIComponent(region)}`;
      fetches.set(region, fetch(url).then((r) => (r.ok ? r.text() : ""), () => "").then((t) => (LINE.test(t = t.trim()) ? t : "")));
    }
    numbering = await fetches.get(region);
  }
  const start = performance.now();
  if (numbering) {
    if (!LINE.test(numbering)) throw new TypeError("numbering: not a numbering line");
    addNumbering(numbering);
    lines.add(numbering.slice(0, 2));
  }
  if (region && !lines.has(region) && !warned.has(region)) {
    warned.add(region);
    console.warn(`calltrack: national numbers of ${region} are not read without its numbering line: pass swapNumbers({ endpoint }) or ({ numbering }) from GET /v1/numbering/${region}. coverage() counts them as unread.`);
  }
  let handle = null;
  let live = true;
  // Walks what is left in slices (the page, then content added later), one loop at a time.
  let running = null;
  // Content added later: its first slice in a task of its own too, not at
  // the end of the page's task that added it (a long one already, when it
  // added much).
  const walk = async (later) => {
    if (later) await pause();
    while (live && !handle.step(SLICE)) await pause();
  };
  // Cleared after it is set (a loop may finish at once, before the assignment).
  const run = (later) => (running ??= walk(later).finally(() => (running = null)));
  const observer = observe ? new MutationObserver((records) => handle?.mutated(records) && run(true)) : undefined;
  // The page in slices, giving the page back between them (no long task).
  // A large page scrolled away from its top: what the visitor sees (the
  // elements in the viewport) at once, found by hit tests before our writes
  // change the layout, then the rest. Other pages are walked from the top,
  // which is what the visitor sees: most are done in a first slice, with no
  // yield. (Hit tests lay the page out: on a large page that was not laid
  // out yet, that alone took longer than the snippet's whole swap.)
  // `written`: the edge wrote these numbers into the page as it streamed: no walk, only later content.
  handle = new SwapHandle(numbers ?? {}, region, root, ignore, observer, written ? 0 : SLICE);
  let done;
  // (Counting the elements costs no layout; reading the scroll does, when
  // the page is not laid out yet: only a large page asks.)
  if (written) {
    done = Promise.resolve();
  } else if (elements(root ?? document.body) > LARGE && (scrollX || scrollY)) {
    // Finding the viewport costs hit tests: the rest waits for the next task.
    handle.first(inView(root));
    done = pause().then(run);
    // Other pages: the walk gets what the set-up left of the first slice
    // (matching what it found comes on top); most are done in it.
  } else if (handle.step(Math.max(SLICE / 2, FIRST - (performance.now() - start)))) {
    done = Promise.resolve();
  } else {
    // Not done in the first slice (a first page view, whose code is not
    // compiled yet, or a slow device): the rest in slices, and swapNumbers
    // resolves when the page is done, so that no original shows when the
    // anti-flicker hide ends. The next slice in a task of its own.
    done = pause().then(run);
    await done;
  }
  return {
    done,
    stats: () => (live ? handle.stats() : { found: 0, swapped: 0 }),
    coverage: () => (live ? handle.coverage() : { found: 0, swapped: 0, unswapped: {} }),
    destroy: () => {
      if (live) {
        live = false;
        handle.destroy();
        handle.free();
      }
    },
  };
}

/** The shape pool_core::numbering::check asks of a numbering line (the wasm reads it without checking again). */
const LINE = /^[A-Z]{2} \d{1,3} [\d,-]+ [\d,-]+ [-tm!,:\da-h]+ [\da-h:;,-]*:[\da-h:;,-]*( [\da-h:;,-]+)?$/;
/** The regions whose line the wasm has, the fetches of lines (region: a
 *  promise of the line, "" when there is none), the regions warned of. */
const lines = new Set();
const fetches = new Map();
const warned = new Set();

/** Work in one slice (ms): with the matching on top, well below the 50 ms
 *  that make a long task (fewer slices: fewer renderings between them). */
const SLICE = 16;
/** The first slice of a page that is not large (ms, set-up and walk): most
 *  are done in it. The matching of what the walk found comes on top: on a
 *  first page view, with nothing compiled yet, it can take half as long again. */
const FIRST = 16;
/** A large page, in elements: scrolled, its viewport is swapped first. */
const LARGE = 8000;
/** How many elements `scope` holds (counted by the browser, not walked here). */
const elements = (scope) => (scope.getElementsByTagName ? scope.getElementsByTagName("*") : scope.querySelectorAll("*")).length;
/** Gives the page back: scheduler.yield() where the browser has it, else a macrotask. */
const pause = () => globalThis.scheduler?.yield?.() ?? new Promise((r) => setTimeout(r));

/** The elements under a few points of the viewport (their lines, not single words), within `root`. */
function inView(root) {
  const scope = root ?? document.body;
  const out = [];
  if (!scope || (root && (root.ownerDocument ?? root) !== document)) return out;
  // Six points (each is a hit test, which on a large page is not cheap).
  for (const y of [0.15, 0.5, 0.85]) {
    for (const x of [0.3, 0.7]) {
      let e = document.elementFromPoint(x * innerWidth, y * innerHeight);
      // Its line: the parent, but not the whole page.
      const p = e?.parentElement;
      if (p && p !== document.body && p !== document.documentElement) e = p;
      if (e && e !== document.body && e !== document.documentElement && scope.contains(e) && !out.some((o) => o.contains(e))) out.push(e);
    }
  }
  return out;
}

// ---- The leasing client ----

const emit = (name, detail) => document.dispatchEvent(new CustomEvent(name, { detail }));

/** A Turnstile token: its script loaded once, its widget shown only if the visitor must act. */
function proof({ site_key, script }) {
  return new Promise((ok, no) => {
    const render = () => {
      const box = document.body.appendChild(document.createElement("div"));
      const done = (f) => (v) => (box.remove(), f(v));
      turnstile.render(box, { sitekey: site_key, appearance: "interaction-only", callback: done(ok), "error-callback": done(no) });
    };
    if (globalThis.turnstile) return render();
    const s = document.head.appendChild(document.createElement("script"));
    s.onload = render;
    s.onerror = no;
    s.src = `${script}?render=explicit`;
  });
}

/** The session the edge leased this page's numbers to, when it wrote them in (insertion mode). */
const WRITTEN = globalThis.document?.documentElement.dataset.calltrackSession;

/** Settles once the page is parsed. */
const parsed = () => document.readyState != "loading" || new Promise((r) => addEventListener("DOMContentLoaded", r, { once: true }));

/** First-party storage: localStorage, else a cookie. */
const store = {
  get(k) {
    try {
      const v = localStorage.getItem(k);
      if (v !== null) return v;
    } catch {}
    const m = document.cookie.match(new RegExp(`(?:^|; )${k.replace(/\./g, "\\.")}=([^;]*)`));
    return m ? decodeURIComponent(m[1]) : null;
  },
  set(k, v) {
    try {
      localStorage.setItem(k, v);
      return;
    } catch {}
    document.cookie = `${k}=${encodeURIComponent(v)}; path=/; max-age=31536000; samesite=lax`;
  },
};

/** A new session id: 128 random bits from the browser's CSPRNG, as 32 hex digits (no wasm needed). */
const newSessionId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b + 256).toString(16).slice(1)).join("");

/** A first-party cookie's value, as `re` captures it: GA4's client id
 * (`_ga`) and Metrica's ClientID (`_ym_uid`) ride with the session, so a
 * call can be sent to the analytics the visit is in. */
const cookie = (re) => document.cookie.match(re)?.[1];

let client = null;

/**
 * Starts the leasing client: with consent, a leased per-visitor number
 * (session kept first-party, heartbeat while visible, released when the
 * page is left); without it, the channel's static number, decided on the
 * page with nothing stored. Returns `ready()`.
 */
export function start(options) {
  if (client) return client.ready_;
  const { site, endpoint } = options ?? {};
  if (!site || !endpoint) throw new TypeError("start({ site, endpoint }): both are required");
  client = new Client(options);
  return client.ready_;
}

/** Settles when numbers are shown or the fallback is in place. */
export const ready = () => (client ? client.ready_ : Promise.resolve());
/** The numbers shown: `{ target E.164: shown E.164 }` (a target shown as it is maps to itself). */
export const numbers = () => (client ? { ...client.map_ } : {});
/** The session id (with consent), else null. */
export const sessionId = () => client?.sid_ ?? null;
/** Gives (or withdraws) consent: a lease from now on (or static numbers). */
export const consent = (granted) => (client ? client.consent_(granted) : Promise.resolve());
/** Records one of the site's own events (a price list opened, a calculator
 *  used) in the visit's trail: a short name, never personal data. */
export const event = (name) => client?.track_("event", String(name));

/** Asks the edge to call the visitor back at `phone`: the office is called
 *  first, then the visitor (within the office's hours; else when it opens).
 *  Resolves to the request (`state`, `scheduled_for`); rejects with the
 *  edge's message (a number it does not call, too many requests). */
export const callback = ({ phone, name } = {}) =>
  client?.sid_ ? client.request_("/callbacks", { session_id: client.sid_, phone, name }) : Promise.reject(new Error("no session yet"));

// A single-page app's route changes are page views of the trail (hooked once).
let hooked;
function hookHistory() {
  if (hooked) return;
  hooked = 1;
  const route = () => client?.track_();
  for (const m of ["pushState", "replaceState"]) {
    const f = history[m];
    history[m] = function (...a) {
      f.apply(this, a); // both return undefined
      route();
    };
  }
  addEventListener("popstate", route);
}

/** Stops the client and puts the original numbers back. */
export function destroy() {
  client?.destroy_();
  client = null;
}

class Client {
  constructor({ site, endpoint, region = "", ignore = "", consent = true, root, timeoutMs = 4000 }) {
    this.api_ = `${String(endpoint).replace(/\/$/, "")}/v1/sites/${encodeURIComponent(site)}`;
    this.leaseKey_ = `dni.lease.${site}`;
    this.publicKey_ = `dni.public.${site}`;
    this.tagRegion_ = region;
    this.tagIgnore_ = ignore;
    this.region_ = region;
    this.ignore_ = ignore;
    this.root_ = root;
    this.timeoutMs_ = timeoutMs;
    this.granted_ = consent !== false && consent !== "required";
    // Unset until known: sid, handle (the swap), shownKey, timer, stopped, releaseOnLeave.
    this.map_ = {};
    this.steps_ = [];
    this.path_ = location.pathname;
    this.onLeave_ = () => this.release_();
    this.ready_ = this.run_();
  }

  run_() {
    return (this.granted_ ? this.lease_() : this.statics_()).catch((e) => emit("dni:fallback", { reason: String(e?.message ?? e) }));
  }

  async request_(path, body) {
    const ctl = new AbortController();
    const t = setTimeout(() => ctl.abort(), this.timeoutMs_);
    try {
      const r = await fetch(`${this.api_}${path}`, body === undefined
        ? { signal: ctl.signal }
        : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: ctl.signal, keepalive: true });
      // The edge's own words when it refuses (the first bad field's, else its message).
      const j = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(j.error?.fields?.[0]?.message ?? j.error?.message ?? `the edge answered ${r.status}`);
      return j;
    } catch (e) {
      throw new Error(e?.name === "AbortError" ? "the edge did not answer in time" : e?.message ?? String(e));
    } finally {
      clearTimeout(t);
    }
  }

  settings_(reply) {
    // The site's own settings complete the tag's: its region and the regions to leave alone.
    if (!this.tagRegion_ && reply.region) this.region_ = reply.region;
    // The line of the region in use (the tag's, when it names one).
    if (reply.numbering?.startsWith(this.region_)) this.numbering_ = reply.numbering;
    if ("release_on_leave" in reply) this.releaseOnLeave_ = !!reply.release_on_leave;
    this.ignore_ = [this.tagIgnore_, ...(reply.ignore_selectors ?? [])].filter(Boolean).join(",");
  }

  async show_(map) {
    if (this.stopped_) return;
    const key = JSON.stringify([map, this.region_, this.numbering_, this.ignore_]);
    if (key === this.shownKey_ && this.handle_) return;
    this.shownKey_ = key;
    // The first numbers of a page the edge wrote them into (its session on
    // <html>): no walk, unless the edge said at the page's end that it left one.
    const written = !this.handle_ && !!WRITTEN && this.sid_ === WRITTEN && (await parsed(), !document.querySelector("template[data-calltrack-walk]"));
    const next = await swapNumbers({ numbers: map, region: this.region_, numbering: this.numbering_, ignore: this.ignore_, root: this.root_, written });
    if (this.stopped_) return next.destroy();
    this.handle_?.destroy();
    this.handle_ = next;
    this.map_ = { ...map };
    emit("dni:swapped", next.stats());
  }

  /**
   * Without consent: the channel's static numbers; nothing stored. The edge
   * names the channel from the page's address (and keeps nothing of it).
   */
  async statics_(config) {
    config ??= await this.request_("/public", this.page_());
    this.settings_(config);
    await load();
    const channel = config.channel ?? "direct";
    const map = {};
    for (const t of config.targets) map[t.number] = t.static_numbers[channel] ?? t.number;
    await this.show_(map);
    const shown = config.targets.map((t) => ({ target: t.number, number: map[t.number], kind: map[t.number] === t.number ? "original" : "static", expires_at: null }));
    emit("dni:assigned", { sessionId: null, numbers: shown, channel: { channel } });
  }

  /** What the edge needs to name the channel and the numbering line. */
  page_() {
    return { url: location.href, referrer: document.referrer || null, region: this.tagRegion_ };
  }

  /** With consent: the visitor's leased numbers. */
  async lease_() {
    // A page the edge wrote the numbers into names its session (the cookie's): the same visit.
    let sid = WRITTEN || store.get("dni.sid");
    if (!/^[0-9a-f]{32}$/.test(sid ?? "")) sid = newSessionId();
    store.set("dni.sid", sid);
    this.sid_ = sid;
    // The request leaves now, before the wasm is here (it loads meanwhile).
    const asked = { session_id: sid, url: location.href, referrer: document.referrer || null, ga_client_id: cookie(/(?:^|; )_ga=GA\d\.\d\.(\d+\.\d+)/), ym_client_id: cookie(/(?:^|; )_ym_uid=(\d{1,32})(?:;|$)/), region: this.tagRegion_ };
    const leased = this.request_("/sessions", asked);
    leased.catch(() => {});
    load().catch(() => {});
    // A lease cached by this tab or another: show it at once.
    try {
      const cached = JSON.parse(store.get(this.leaseKey_) ?? "null");
      if (cached?.sid === sid && cached.expires > Date.now()) {
        this.region_ = cached.region ?? this.region_;
        this.numbering_ = cached.numbering;
        this.ignore_ = cached.ignore ?? this.ignore_;
        await this.show_(cached.map);
      }
    } catch {}
    let reply;
    try {
      reply = await leased;
    } catch (e) {
      // Edge unreachable or refusing: a cached lease stays; else the static number, else the original.
      if (!this.handle_) {
        const config = JSON.parse(store.get(this.publicKey_) ?? "null");
        if (config) await this.statics_(config).catch(() => {});
      }
      throw e;
    }
    await this.apply_(reply);
    // The pool runs low: Cloudflare Turnstile proves a browser, and the lease is asked again.
    const ts = reply.challenge?.turnstile;
    const token = ts && (await proof(ts).catch(() => null));
    if (token) await this.apply_((reply = await this.request_("/sessions", { ...asked, turnstile_token: token })));
    this.heartbeat_(reply.heartbeat_ms);
    hookHistory();
    addEventListener("pagehide", this.onLeave_);
    // The static numbers, for when the edge cannot be reached later.
    // With this visit's channel: what the fallback shows when the edge is down.
    this.request_("/public", this.page_()).then((c) => store.set(this.publicKey_, JSON.stringify(c)), () => {});
  }

  async apply_(reply) {
    if (this.stopped_) return;
    this.settings_(reply);
    const map = {};
    for (const n of reply.numbers) map[n.target] = n.number;
    const expires = Math.min(...reply.numbers.map((n) => n.expires_at ?? Infinity));
    if (Number.isFinite(expires)) {
      store.set(this.leaseKey_, JSON.stringify({ sid: this.sid_, map, expires, region: this.region_, numbering: this.numbering_, ignore: this.ignore_ }));
    }
    emit("dni:assigned", { sessionId: this.sid_, numbers: reply.numbers, channel: reply.channel });
    if (reply.numbers.some((n) => n.kind === "fallback")) emit("dni:fallback", { reason: "pool exhausted" });
    await this.show_(map);
  }

  /** What the page shows now, for the coverage report. */
  /** `leaving`: the last beacon, which renews a live lease and never takes a number. */
  beat_(leaving = false) {
    const c = this.handle_?.coverage();
    return c ? { leaving, coverage: { page: location.href.slice(0, 512), ...c } } : { leaving };
  }

  /** A step of the visit's trail (an event; without a kind, a route
   *  change: a page view when the path changed, the load being one already),
   *  sent a moment later with the others since. */
  track_(kind, name) {
    if (!kind && location.pathname !== this.path_) [kind, name] = ["page", (this.path_ = location.pathname)];
    if (!this.sid_ || !kind) return;
    this.steps_.push({ kind, name });
    clearTimeout(this.stepTimer_);
    this.stepTimer_ = setTimeout(() => this.request_(`/sessions/${this.sid_}/trail`, { steps: this.steps_.splice(0, 20) }).catch(() => {}), 300);
  }

  heartbeat_(every) {
    clearInterval(this.timer_);
    this.timer_ = setInterval(async () => {
      if (document.visibilityState !== "visible") return;
      try {
        await this.apply_(await this.request_(`/sessions/${this.sid_}/heartbeat`, this.beat_()));
      } catch {}
    }, Math.max(every || 60000, 5000));
  }

  /** The page is left: release the number (sites with release_on_leave), or
   *  say "left now" with a last heartbeat: the number stays the visitor's for
   *  the fixation, for the call that comes after. Both carry the coverage. */
  release_(end = this.releaseOnLeave_) {
    if (this.sid_) navigator.sendBeacon(`${this.api_}/sessions/${this.sid_}/${end ? "release" : "heartbeat"}`, JSON.stringify(this.beat_(!end)));
  }

  consent_(granted) {
    if (granted && !this.granted_) {
      this.granted_ = true;
      this.ready_ = this.run_();
    } else if (!granted && this.granted_) {
      // Withdrawn: the lease ends, the stored id goes, static numbers from now on.
      this.granted_ = false;
      clearInterval(this.timer_);
      removeEventListener("pagehide", this.onLeave_);
      this.release_(true);
      for (const k of ["dni.sid", this.leaseKey_, this.publicKey_]) {
        try {
          localStorage.removeItem(k);
        } catch {}
        document.cookie = `${k}=; path=/; max-age=0`;
      }
      this.sid_ = null;
      this.ready_ = this.run_();
    }
    return this.ready_;
  }

  destroy_() {
    this.stopped_ = true;
    clearInterval(this.timer_);
    removeEventListener("pagehide", this.onLeave_);
    this.handle_?.destroy();
    this.handle_ = null;
    this.map_ = {};
  }
}

// The script-tag loader: a thin lease client around the wasm swapper.
//
//   <script async src="https://cdn.example/calltrack/swap.js"
//           data-site="demo" data-endpoint="https://edge.example" data-region="RU"></script>
//
// Optional: data-hide="300" (ms the page stays hidden at most while the
// numbers are not known yet), data-ignore=".reviews" (CSS selector left
// alone), data-consent="required" (nothing stored and no lease until
// window.dni.consent(true)). Events on document: dni:assigned, dni:swapped,
// dni:fallback. window.dni: { ready, numbers(), sessionId(), consent(), destroy() }.
(() => {
  const me = document.currentScript;
  if (!me || window.dni) return;
  const d = me.dataset;
  const site = d.site;
  const endpoint = (d.endpoint || new URL(me.src).origin).replace(/\/$/, "");
  let region = d.region || "";
  let ignore = d.ignore || "";
  const hideMs = Math.min(Math.max(Number(d.hide ?? 300) || 0, 0), 3000);
  const needConsent = d.consent === "required";
  const api = `${endpoint}/v1/sites/${encodeURIComponent(site || "")}`;
  const leaseKey = `dni.lease.${site}`;
  let consent = !needConsent;
  let numbers = {};
  let handle = null;
  let sid = null;
  let timer = null;
  let shownKey = "";

  const emit = (name, detail) => document.dispatchEvent(new CustomEvent(name, { detail }));

  // Anti-flicker: hide the page until the numbers are known, for hideMs at most.
  const style = document.createElement("style");
  style.textContent = "html.dni-wait body{opacity:0!important}";
  let hidden = false;
  if (hideMs > 0 && consent) {
    document.head.append(style);
    document.documentElement.classList.add("dni-wait");
    hidden = true;
  }
  const unhide = () => {
    if (hidden) {
      document.documentElement.classList.remove("dni-wait");
      style.remove();
      hidden = false;
    }
  };
  if (hidden) setTimeout(unhide, hideMs);

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

  function sessionId() {
    let id = store.get("dni.sid");
    if (!/^[0-9a-f]{32}$/.test(id || "")) {
      const b = crypto.getRandomValues(new Uint8Array(16));
      id = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
      store.set("dni.sid", id);
    }
    return id;
  }

  function gaClientId() {
    const m = document.cookie.match(/(?:^|; )_ga=GA\d\.\d\.(\d+\.\d+)/);
    return m ? m[1] : undefined;
  }

  async function show(map) {
    const { swapNumbers } = await import(new URL("index.js", me.src).href);
    if (handle) handle.destroy();
    handle = await swapNumbers({ numbers: map, region, ignore });
    numbers = map;
    emit("dni:swapped", handle.stats());
  }

  async function post(path, body, ms = 4000) {
    const ctl = new AbortController();
    const t = setTimeout(() => ctl.abort(), ms);
    try {
      const r = await fetch(`${api}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: ctl.signal,
        keepalive: true,
      });
      if (!r.ok) throw new Error(`${r.status}`);
      return await r.json();
    } finally {
      clearTimeout(t);
    }
  }

  function mapOf(reply) {
    const map = {};
    for (const n of reply.numbers) if (n.number !== n.target) map[n.target] = n.number;
    return map;
  }

  function siteSettings(reply) {
    // The site's own settings complete the tag's: its region and the regions to leave alone.
    if (!d.region && reply.region) region = reply.region;
    const extra = (reply.ignore_selectors || []).join(",");
    ignore = [d.ignore, extra].filter(Boolean).join(",");
  }

  async function apply(reply) {
    siteSettings(reply);
    const map = mapOf(reply);
    const expires = Math.min(...reply.numbers.map((n) => n.expires_at ?? Infinity));
    if (Number.isFinite(expires)) store.set(leaseKey, JSON.stringify({ sid, map, expires, region, ignore }));
    emit("dni:assigned", { sessionId: sid, numbers: reply.numbers, channel: reply.channel });
    if (reply.numbers.some((n) => n.kind === "fallback")) emit("dni:fallback", { reason: "pool exhausted" });
    const key = JSON.stringify([map, region, ignore]);
    if (key !== shownKey || !handle) {
      shownKey = key;
      await show(map);
    }
  }

  function heartbeat(every) {
    clearInterval(timer);
    timer = setInterval(async () => {
      if (document.visibilityState !== "visible") return;
      try {
        await apply(await post(`/sessions/${sid}/heartbeat`, {}));
      } catch {}
    }, Math.max(every, 5000));
  }

  async function start() {
    sid = sessionId();
    // A lease cached by this tab or another: show it at once.
    try {
      const cached = JSON.parse(store.get(leaseKey) || "null");
      if (cached && cached.sid === sid && cached.expires > Date.now()) {
        region = cached.region ?? region;
        ignore = cached.ignore ?? ignore;
        await show(cached.map);
      }
    } catch {}
    try {
      const reply = await post("/sessions", { session_id: sid, url: location.href, referrer: document.referrer || null, ga_client_id: gaClientId() });
      await apply(reply);
      heartbeat(reply.heartbeat_ms);
      addEventListener("pagehide", () => navigator.sendBeacon(`${api}/sessions/${sid}/release`, ""));
    } catch (e) {
      // Edge unreachable or refusing: whatever is shown stays (a cached lease or the original).
      emit("dni:fallback", { reason: String(e && e.message || e) });
    } finally {
      unhide();
    }
  }

  let ready;
  window.dni = {
    get ready() {
      return ready;
    },
    numbers: () => ({ ...numbers }),
    sessionId: () => sid,
    consent(yes) {
      if (yes && !consent) {
        consent = true;
        ready = start();
      }
      return ready;
    },
    destroy() {
      clearInterval(timer);
      if (handle) handle.destroy();
      handle = null;
    },
  };
  ready = consent ? start() : Promise.resolve();
})();

// The demo panel: visit the page as different visitors from different
// channels, and "place a call" to the number this visitor sees. The call
// goes to the demo-only endpoint (enabled by DEMO_SITES, which npm start
// sets), recorded as a PBX would, and shows up on the dashboard.
//
// Its words are the catalogs' (locales/*/demo.ftl), which the build writes in
// as DEMO_WORDS, in the browser's language (or ?lang=), else the page's.
const panel = document.getElementById("demo-panel");
const site = document.querySelector("script[data-site]")?.dataset.site || "demo";
const target = panel.dataset.target;
const out = panel.querySelector(".result");
const here = location.pathname;

const wanted = [new URLSearchParams(location.search).get("lang"), ...(navigator.languages ?? []), document.documentElement.lang];
const lang = wanted.map((l) => (l ?? "").toLowerCase().split("-")[0]).find((l) => DEMO_WORDS[l]) ?? "en";
/** Message `id`, `{$x}` filled from `args`; English where the language lacks it. */
const t = (id, args = {}) => (DEMO_WORDS[lang][id] ?? DEMO_WORDS.en[id] ?? id).replace(/\{\$(\w+)\}/g, (_, k) => args[k] ?? "");
for (const el of panel.querySelectorAll("[data-l10n-id]")) el.textContent = t(el.dataset.l10nId);
panel.lang = lang;

const visits = [
  ["visit-google", "?utm_source=google&utm_medium=cpc&utm_campaign=implants&utm_term=dental+implants&gclid=demo"],
  ["visit-yandex", "?utm_source=yandex&utm_medium=cpc&utm_campaign=crowns&utm_term=dental+crowns&yclid=demo"],
  ["visit-organic", "?utm_source=google&utm_medium=organic"],
  ["visit-email", "?utm_source=newsletter&utm_medium=email&utm_campaign=november"],
  ["visit-partner", "?utm_source=dentacare&utm_medium=referral"],
  ["visit-direct", ""],
];
const keep = new URLSearchParams(location.search).get("lang");
panel.querySelector(".visits").replaceChildren(
  ...visits.flatMap(([id, query], i) => {
    const a = document.createElement("a");
    const q = new URLSearchParams(query);
    if (keep) q.set("lang", keep);
    a.href = `${here}${q.size ? `?${q}` : ""}`;
    a.dataset.newVisitor = "";
    a.textContent = t(id);
    return i ? [" · ", a] : [a];
  }),
);

// Each link is a new visitor: forget this one (as a private window would).
panel.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-new-visitor]");
  if (!a) return;
  for (const k of Object.keys(localStorage)) if (k.startsWith("dni.")) localStorage.removeItem(k);
});

async function call(answered, source_number) {
  const sid = window.dni?.sessionId();
  if (!sid) {
    out.textContent = t("no-session");
    return;
  }
  out.textContent = t("calling");
  const r = await fetch(`/v1/sites/${site}/demo/call`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ session_id: sid, target, answered, duration_secs: answered ? 95 : 0, source_number }),
  });
  const c = await r.json();
  if (!r.ok) {
    out.textContent = c?.error?.message || `failed: ${r.status}`;
    return;
  }
  const ch = c.attribution.channel;
  out.innerHTML = "";
  out.append(
    t(answered ? "answered-call" : "missed-call", { number: c.tracking_number, channel: ch.channel }),
    source_number ? ` (${ch.source})` : "",
    ch.term ? `, ${t("keyword", { term: ch.term })}` : "",
    c.target_call ? ` (${t("target-call")})` : "",
    c.agent ? `, ${t(answered ? "taken-by" : "missed-by", { agent: c.agent.name || c.agent.id })}` : "",
    ". ",
  );
  const link = document.createElement("a");
  link.href = "/dashboard/";
  link.textContent = t("see-dashboard");
  out.append(link);
}
panel.querySelector(".call").addEventListener("click", () => call(true));
panel.querySelector(".miss").addEventListener("click", () => call(false));
// A caller who saw the billboard: its own number, on no page.
panel.querySelector(".billboard")?.addEventListener("click", () => call(true, panel.dataset.billboard));
// One of the site's own events, in the visit's trail (shown with a later call).
panel.querySelector(".event")?.addEventListener("click", () => {
  window.dni?.event("price list opened");
  out.textContent = t("event-recorded");
});

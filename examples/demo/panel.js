// The demo panel: visit the page as different visitors from different
// channels, and "place a call" to the number this visitor sees. The call
// goes to the demo-only endpoint (enabled by DEMO_SITES, which npm start
// sets), recorded as a PBX would, and shows up on the dashboard.
const panel = document.getElementById("demo-panel");
const site = document.querySelector("script[data-site]")?.dataset.site || "demo";
const target = panel.dataset.target;
const out = panel.querySelector(".result");
const here = location.pathname;

const visits = [
  ["Google Ads click", "?utm_source=google&utm_medium=cpc&utm_campaign=implants&utm_term=dental+implants&gclid=demo"],
  ["Yandex Direct click", "?utm_source=yandex&utm_medium=cpc&utm_campaign=crowns&utm_term=dental+crowns&yclid=demo"],
  ["organic search", "?utm_source=google&utm_medium=organic"],
  ["email newsletter", "?utm_source=newsletter&utm_medium=email&utm_campaign=november"],
  ["the partner DentaCare's catalogue", "?utm_source=dentacare&utm_medium=referral"],
  ["directly", ""],
];
panel.querySelector(".visits").innerHTML = visits
  .map(([name, query]) => `<a href="${here}${query}" data-new-visitor>${name}</a>`)
  .join(" · ");

// Each link is a new visitor: forget this one (as a private window would).
panel.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-new-visitor]");
  if (!a) return;
  for (const k of Object.keys(localStorage)) if (k.startsWith("dni.")) localStorage.removeItem(k);
});

async function call(answered, source_number) {
  const sid = window.dni?.sessionId();
  if (!sid) {
    out.textContent = "No session yet: wait for the number to show.";
    return;
  }
  out.textContent = "Calling...";
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
    `${answered ? "Answered" : "Missed"} call to ${c.tracking_number}: ${ch.channel}`,
    source_number ? ` (${ch.source})` : "",
    ch.term ? `, keyword "${ch.term}"` : "",
    c.target_call ? " (a target call)" : "",
    c.agent ? `, ${answered ? "taken" : "missed"} by ${c.agent.name || c.agent.id}` : "",
    ". ",
  );
  const link = document.createElement("a");
  link.href = "/dashboard/";
  link.textContent = "See it on the dashboard";
  out.append(link);
}
panel.querySelector(".call").addEventListener("click", () => call(true));
panel.querySelector(".miss").addEventListener("click", () => call(false));
// A caller who saw the billboard: its own number, on no page.
panel.querySelector(".billboard")?.addEventListener("click", () => call(true, panel.dataset.billboard));
// One of the site's own events, in the visit's trail (shown with a later call).
panel.querySelector(".event")?.addEventListener("click", () => {
  window.dni?.event("price list opened");
  out.textContent = "Event recorded: price list opened. A call placed now shows it in its trail.";
});

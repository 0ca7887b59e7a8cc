// The call-back widget: a button in the corner that opens a small form
// ("we call you back"): the visitor's number, optionally a name. It calls
// window.dni.callback(), so the request carries the visitor's session and is
// attributed like a call. Loaded by the script tag when it has
// data-callback (its value is the button's label), after the numbers show,
// from its own file checked against the hash the tag carries: the swap
// stays within its size. No framework; a shadow root keeps the site's styles
// out and the widget's in, and the site's CSS variables style it:
//   --dni-callback-bg (button and submit, default #0a7ea4),
//   --dni-callback-fg (their text, #fff), --dni-callback-radius (24px),
//   --dni-callback-font (inherit), --dni-callback-bottom / --dni-callback-right (16px).
// Its words come from the catalogs (locales/*/callback.ftl, built in as
// CALLBACK_WORDS) in the page's language: the tag's data-lang, else the
// page's <html lang>, else the browser's; English when there is none.
(() => {
  if (!window.dni || document.querySelector(".dni-callback")) return;
  const all = typeof CALLBACK_WORDS === "object" ? CALLBACK_WORDS : {};
  const tag = document.currentScript?.dataset ?? {};
  const lang = [tag.lang, document.documentElement.lang, navigator.language]
    .map((l) => (l ?? "").toLowerCase().split("-")[0])
    .find((l) => all[l]);
  const words = { ...(all.en ?? {}), ...(all[lang] ?? {}) };
  const w = (id, args = {}) => (words[id] ?? id).replace(/\{\$(\w+)\}/g, (_, k) => args[k] ?? "");
  const label = tag.label || w("callback-open");
  const host = document.createElement("div");
  host.className = "dni-callback";
  // Never swapped: the visitor's own number is typed here.
  host.dataset.noSwap = "";
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `<style>
  :host { position: fixed; z-index: 2147483000; bottom: var(--dni-callback-bottom, 16px); right: var(--dni-callback-right, 16px); font: 15px/1.4 var(--dni-callback-font, inherit); }
  button { font: inherit; cursor: pointer; border: 0; border-radius: var(--dni-callback-radius, 24px); padding: 10px 16px; background: var(--dni-callback-bg, #0a7ea4); color: var(--dni-callback-fg, #fff); box-shadow: 0 2px 8px rgba(0,0,0,.2); }
  form { display: grid; gap: 8px; width: min(280px, calc(100vw - 32px)); margin-bottom: 8px; padding: 12px; background: #fff; color: #1d2b36; border-radius: 12px; box-shadow: 0 4px 16px rgba(0,0,0,.2); }
  form[hidden] { display: none; }
  label { display: grid; gap: 2px; font-size: 13px; }
  input { font: inherit; padding: 6px 8px; border: 1px solid #c9d2da; border-radius: 6px; }
  p { margin: 0; font-size: 13px; }
  .error { color: #b42318; }
</style>
<form hidden>
  <label><span class="w-phone"></span> <input name="phone" type="tel" autocomplete="tel" required maxlength="40"></label>
  <label><span class="w-name"></span> <input name="name" autocomplete="name" maxlength="100"></label>
  <button type="submit"></button>
  <p role="status" aria-live="polite"></p>
</form>
<button type="button" class="open" aria-expanded="false"></button>`;
  const form = root.querySelector("form");
  const open = root.querySelector(".open");
  const status = root.querySelector("p");
  open.textContent = label;
  root.querySelector(".w-phone").textContent = w("callback-phone");
  root.querySelector(".w-name").textContent = w("callback-name");
  root.querySelector("[type=submit]").textContent = w("callback-submit");
  open.addEventListener("click", () => {
    form.hidden = !form.hidden;
    open.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) form.elements.namedItem("phone").focus();
  });
  const when = (ms) => new Intl.DateTimeFormat(lang || undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    status.className = "";
    status.textContent = w("callback-sending");
    try {
      const name = form.elements.namedItem("name").value.trim();
      const r = await window.dni.callback({ phone: form.elements.namedItem("phone").value, name: name || undefined });
      status.textContent =
        r.state === "scheduled" ? w("callback-scheduled", { when: when(r.scheduled_for) }) : w("callback-calling");
      form.elements.namedItem("phone").value = "";
      document.dispatchEvent(new CustomEvent("dni:callback", { detail: r }));
    } catch (err) {
      status.className = "error";
      status.textContent = String(err?.message ?? err);
    } finally {
      submit.disabled = false;
    }
  });
  document.body.append(host);
})();

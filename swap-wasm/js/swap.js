// The script tag: reads its attributes, hides the numbers for a moment, and
// runs the leasing client of index.js. Built as one script with the client and
// the wasm glue: the lease request leaves as soon as this runs, while the wasm
// (checked against its hash) downloads beside it.
//
//   <script async src="https://cdn.example/calltrack/swap.js"
//           data-site="demo" data-endpoint="https://edge.example" data-region="RU"></script>
//
// Optional: data-hide="300" (ms the page stays hidden at most while the
// numbers are not known yet; 0 for never), data-ignore=".reviews" (CSS
// selector left alone), data-consent="required" (the channel's static number,
// nothing stored and no lease, until window.dni.consent(true)).
// Events on document: dni:assigned, dni:swapped, dni:fallback.
// data-callback (optional): the call-back widget, a button and a small form,
// loaded after the numbers (its own file, checked against its hash); the
// value is the button's label.
// window.dni: { ready, numbers(), sessionId(), consent(granted), event(name), callback({ phone, name }), destroy() }.
import { callback, consent, destroy, event, locate, numbers, sessionId, start } from "./index.js";

(() => {
  const me = document.currentScript;
  if (!me || window.dni) return;
  const d = me.dataset;
  const hideMs = Math.min(Math.max(Number(d.hide ?? 300) || 0, 0), 3000);
  const granted = d.consent !== "required";

  // Anti-flicker: hide the page until the numbers are known, for hideMs at most.
  const style = document.createElement("style");
  style.textContent = "html.dni-wait body{opacity:0!important}";
  const unhide = () => {
    document.documentElement.classList.remove("dni-wait");
    style.remove();
  };
  // The anti-flicker snippet in <head> may hide the page already, with its own
  // cap: then the hide is only lifted when the numbers show (or the snippet's cap ends it).
  // A page the edge wrote the numbers into shows them already: never hidden.
  if (document.documentElement.dataset.calltrackSession) unhide();
  else if (hideMs > 0 && granted && !document.documentElement.classList.contains("dni-wait")) {
    document.head.append(style);
    document.documentElement.classList.add("dni-wait");
    setTimeout(unhide, hideMs);
  }

  locate(new URL("swap_wasm_bg.wasm", me.src));
  let ready = Promise.resolve()
    .then(() =>
      start({
        site: d.site,
        endpoint: d.endpoint || new URL(me.src).origin,
        region: d.region || "",
        ignore: d.ignore || "",
        consent: granted,
      }),
    )
    .catch((e) => document.dispatchEvent(new CustomEvent("dni:fallback", { detail: { reason: String(e?.message ?? e) } })))
    .finally(unhide);

  window.dni = {
    get ready() {
      return ready;
    },
    numbers,
    sessionId,
    consent(yes) {
      ready = consent(yes);
      return ready;
    },
    event,
    callback,
    destroy,
  };
  // The call-back widget, when the tag asks for it: a script beside this one, checked like the wasm.
  if (d.callback != null) {
    const s = document.createElement("script");
    s.src = new URL("callback.js", me.src);
    s.integrity = CALLBACK_INTEGRITY;
    s.crossOrigin = "anonymous";
    s.dataset.label = d.callback;
    ready.then(() => document.head.append(s));
  }
})();

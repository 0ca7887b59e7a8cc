// The dashboard's words, from the Fluent catalogs of locales/ (a translator
// edits them; nothing here), in the browser's language when there is a
// catalog for it (or ?lang=), the site's otherwise, else English; with
// CLDR's plural rules (Intl.PluralRules), as @fluent/bundle selects them.
import { FluentBundle, FluentResource } from "@fluent/bundle";
import en from "../../locales/en/dashboard.ftl";
import kk from "../../locales/kk/dashboard.ftl";
import ru from "../../locales/ru/dashboard.ftl";
import uk from "../../locales/uk/dashboard.ftl";

const CATALOGS = { en, ru, uk, kk };
let bundles = [];
let chosen = "en";

function bundle(lang) {
  const b = new FluentBundle(lang, { useIsolating: false });
  b.addResource(new FluentResource(CATALOGS[lang]));
  return b;
}

/** The first of `wanted` (language tags) with a catalog; English otherwise. */
export function choose(wanted) {
  chosen = wanted.map((l) => (l ?? "").toLowerCase().split("-")[0]).find((l) => CATALOGS[l]) ?? "en";
  bundles = chosen === "en" ? [bundle("en")] : [bundle(chosen), bundle("en")];
  document.documentElement.lang = chosen;
  translate(document);
  return chosen;
}

/** The language in use. */
export const lang = () => chosen;

/** Message `id` with `args`, in the language in use (English where it lacks one). */
export function t(id, args) {
  for (const b of bundles) {
    const m = b.getMessage(id);
    if (m?.value) return b.formatPattern(m.value, args);
  }
  return id;
}

/** Every element of `root` that names a message (`data-l10n-id`) says it. */
export function translate(root) {
  for (const el of root.querySelectorAll("[data-l10n-id]")) el.textContent = t(el.dataset.l10nId);
}

/** The browser's choice: ?lang=, then its languages. */
export const asked = () => [new URLSearchParams(location.search).get("lang"), ...(navigator.languages ?? [])].filter(Boolean);

choose(asked());

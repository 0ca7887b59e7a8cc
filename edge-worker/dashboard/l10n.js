// The dashboard's words, from the Fluent catalogs of locales/ (a translator
// edits them; nothing here), in the browser's language when there is a
// catalog for it (or ?lang=), the site's otherwise, else English; with
// CLDR's plural rules (Intl.PluralRules), as @fluent/bundle selects them,
// and numbers, percentages, money and times in that language's format (Intl).
// The channels' names are the alerts' (alerts.ftl): one word for a channel
// in the SMS and on the dashboard.
import { FluentBundle, FluentResource } from "@fluent/bundle";
import enAlerts from "../../locales/en/alerts.ftl";
import en from "../../locales/en/dashboard.ftl";
import kkAlerts from "../../locales/kk/alerts.ftl";
import kk from "../../locales/kk/dashboard.ftl";
import ruAlerts from "../../locales/ru/alerts.ftl";
import ru from "../../locales/ru/dashboard.ftl";
import ukAlerts from "../../locales/uk/alerts.ftl";
import uk from "../../locales/uk/dashboard.ftl";

const CATALOGS = { en: [en, enAlerts], ru: [ru, ruAlerts], uk: [uk, ukAlerts], kk: [kk, kkAlerts] };
let bundles = [];
let chosen = "en";

function bundle(lang) {
  const b = new FluentBundle(lang, { useIsolating: false });
  for (const ftl of CATALOGS[lang]) b.addResource(new FluentResource(ftl));
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

/** Whether a catalog has message `id`. */
export const has = (id) => bundles.some((b) => b.getMessage(id)?.value);

/** Message `id` with `args`, in the language in use (English where it lacks one). */
export function t(id, args) {
  for (const b of bundles) {
    const m = b.getMessage(id);
    if (m?.value) return b.formatPattern(m.value, args);
  }
  return id;
}

/** Every element of `root` that names a message (`data-l10n-id`) says it;
 * an input that names one for its placeholder (`data-l10n-placeholder`) shows it. */
export function translate(root) {
  for (const el of root.querySelectorAll("[data-l10n-id]")) el.textContent = t(el.dataset.l10nId);
  for (const el of root.querySelectorAll("[data-l10n-placeholder]")) el.placeholder = t(el.dataset.l10nPlaceholder);
}

/** A channel's name in the language in use ("paid_search" → "paid search"). */
export const channelName = (key) => (has(`channel-${key}`) ? t(`channel-${key}`) : key);

/** A count: 1,500 / 1 500. */
export const num = (n) => (n === null || n === undefined ? "—" : new Intl.NumberFormat(chosen).format(n));

/** A percentage given as 0–100: 66.7% / 66,7 %; "—" for none. */
export const pct = (v) =>
  v === null || v === undefined ? "—" : new Intl.NumberFormat(chosen, { style: "percent", maximumFractionDigits: 1 }).format(v / 100);

/** An amount in minor units of `currency`: $3,000 / 3 000 ₽; "—" for none. */
export const money = (minor, currency) =>
  minor === null || minor === undefined
    ? "—"
    : new Intl.NumberFormat(chosen, { style: "currency", currency, minimumFractionDigits: 0, maximumFractionDigits: 0 }).format(minor / 100);

/** A moment in `timeZone`, short date and time. */
export const when = (ms, timeZone) => new Intl.DateTimeFormat(chosen, { timeZone, dateStyle: "short", timeStyle: "short" }).format(new Date(ms));

/** The short names of the weekdays, Monday first. */
export const weekdays = () => [...Array(7).keys()].map((i) => new Intl.DateTimeFormat(chosen, { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + i))));

/** The browser's choice: ?lang=, then its languages. */
export const asked = () => [new URLSearchParams(location.search).get("lang"), ...(navigator.languages ?? [])].filter(Boolean);

choose(asked());

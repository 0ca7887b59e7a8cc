//! The messages people read, from the Fluent catalogs of `locales/` (one
//! folder per language, edited by translators; nothing in the code), with
//! CLDR's plural rules: `1 пропущенный звонок`, `2 пропущенных звонка`,
//! `5 пропущенных звонков`. The site's `locale` picks the language;
//! English stands in for a message a catalog lacks (a test fails first).

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use pool_core::notify::Words;
use pool_core::site::LOCALES;

/// The alerts' catalog of each language, in [`LOCALES`]' order.
const ALERTS: [&str; 4] = [
    include_str!("../../locales/en/alerts.ftl"),
    include_str!("../../locales/ru/alerts.ftl"),
    include_str!("../../locales/uk/alerts.ftl"),
    include_str!("../../locales/kk/alerts.ftl"),
];

/// One language's messages, English behind them.
pub struct Catalog {
    bundles: Vec<FluentBundle<FluentResource>>,
}

fn bundle(locale: &str, ftl: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = locale.parse().unwrap_or_default();
    let mut b = FluentBundle::new(vec![id]);
    // Plain text: an SMS has no use for Unicode isolation marks.
    b.set_use_isolating(false);
    if let Ok(r) = FluentResource::try_new(ftl.to_string()) {
        let _ = b.add_resource(r);
    }
    b
}

impl Catalog {
    /// The catalog of `locale` (one of [`LOCALES`]; English otherwise).
    pub fn new(locale: &str) -> Catalog {
        let i = LOCALES.iter().position(|l| *l == locale).unwrap_or(0);
        let mut bundles = vec![bundle(LOCALES[i], ALERTS[i])];
        if i != 0 {
            bundles.push(bundle("en", ALERTS[0]));
        }
        Catalog { bundles }
    }

    /// Message `id` with `args`; `None` when no catalog has it.
    pub fn text(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> Option<String> {
        let mut a = FluentArgs::new();
        for (k, v) in args {
            a.set(*k, v.clone());
        }
        self.bundles.iter().find_map(|b| {
            let pattern = b.get_message(id)?.value()?;
            let mut errors = Vec::new();
            Some(
                b.format_pattern(pattern, Some(&a), &mut errors)
                    .into_owned(),
            )
        })
    }

    /// An alert's words ([`pool_core::notify::message_in`]) in this language.
    pub fn alert(&self, w: Words<'_>) -> String {
        let s = |v: &str| FluentValue::from(v.to_string());
        let said = match w {
            Words::One {
                caller,
                time,
                channel,
            } => self.text(
                "alert-one",
                &[
                    ("caller", s(caller)),
                    ("time", s(time)),
                    ("channel", s(channel)),
                ],
            ),
            Words::Many { count, time } => self.text(
                "alert-many",
                &[("count", FluentValue::from(count)), ("time", s(time))],
            ),
            Words::Line {
                caller,
                time,
                channel,
            } => self.text(
                "alert-line",
                &[
                    ("caller", s(caller)),
                    ("time", s(time)),
                    ("channel", s(channel)),
                ],
            ),
            Words::CallBack { number } => self.text("alert-call-back", &[("number", s(number))]),
            Words::Withheld => self.text("withheld-number", &[]),
            Words::Channel(c) => self.text(&format!("channel-{c}"), &[]),
        };
        said.unwrap_or_else(|| pool_core::notify::english(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids of a catalog (messages and terms).
    fn ids(ftl: &str) -> Vec<String> {
        let r = FluentResource::try_new(ftl.to_string()).expect("the catalog parses");
        r.entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                fluent_syntax::ast::Entry::Term(t) => Some(format!("-{}", t.id.name)),
                _ => None,
            })
            .collect()
    }

    /// The dashboard's catalogs (read by the dashboard's own script).
    const DASHBOARD: [&str; 4] = [
        include_str!("../../locales/en/dashboard.ftl"),
        include_str!("../../locales/ru/dashboard.ftl"),
        include_str!("../../locales/uk/dashboard.ftl"),
        include_str!("../../locales/kk/dashboard.ftl"),
    ];

    /// The call-back widget's catalogs (built into the widget's file).
    const CALLBACK: [&str; 4] = [
        include_str!("../../locales/en/callback.ftl"),
        include_str!("../../locales/ru/callback.ftl"),
        include_str!("../../locales/uk/callback.ftl"),
        include_str!("../../locales/kk/callback.ftl"),
    ];

    /// The demo panel's catalogs (built into the panel's script).
    const DEMO: [&str; 4] = [
        include_str!("../../locales/en/demo.ftl"),
        include_str!("../../locales/ru/demo.ftl"),
        include_str!("../../locales/uk/demo.ftl"),
        include_str!("../../locales/kk/demo.ftl"),
    ];

    #[test]
    fn every_catalog_has_every_message_the_others_have() {
        for (file, catalogs) in [
            ("alerts.ftl", ALERTS),
            ("dashboard.ftl", DASHBOARD),
            ("callback.ftl", CALLBACK),
            ("demo.ftl", DEMO),
        ] {
            let all: Vec<(&str, Vec<String>)> = LOCALES
                .iter()
                .zip(catalogs)
                .map(|(l, f)| (*l, ids(f)))
                .collect();
            for (locale, mine) in &all {
                for (other, theirs) in &all {
                    let missing: Vec<&String> =
                        theirs.iter().filter(|id| !mine.contains(id)).collect();
                    assert!(
                        missing.is_empty(),
                        "locales/{locale}/{file} lacks {missing:?}, which locales/{other}/{file} has"
                    );
                }
            }
        }
    }

    /// The ids a source names: `t("id"`, `data-l10n-id="id"`, `data-l10n-placeholder="id"`.
    fn named(src: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for open in ["t(\"", "data-l10n-id=\"", "data-l10n-placeholder=\""] {
            for (at, _) in src.match_indices(open) {
                // `t(` alone, not the end of a longer name (`createElement(`).
                let before = src[..at].chars().next_back().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' || before == '.' {
                    continue;
                }
                let rest = &src[at + open.len()..];
                out.push(&rest[..rest.find('"').unwrap_or(0)]);
            }
        }
        out
    }

    #[test]
    fn the_dashboard_names_only_messages_its_catalogs_have() {
        let en: Vec<String> = ids(DASHBOARD[0])
            .into_iter()
            .chain(ids(ALERTS[0]))
            .collect();
        let app = include_str!("../dashboard/app.js");
        let page = include_str!("../dashboard/index.html");
        let mut wanted: Vec<String> = named(app)
            .into_iter()
            .chain(named(page))
            .map(String::from)
            .collect();
        // The ids it builds from the API's words.
        use pool_core::call::{MissedReason, Status};
        for s in [
            Status::Ringing,
            Status::InProgress,
            Status::Answered,
            Status::Busy,
            Status::NoAnswer,
            Status::Failed,
            Status::Cancelled,
        ] {
            wanted.push(format!("call-status-{}", s.as_str()));
        }
        for r in MissedReason::ALL {
            wanted.push(format!("reason-{}", r.as_str()));
        }
        let signals = crate::alerts::Signals {
            sessions_week: 7 * 24 * 10,
            quiet_hours: 2,
            fallbacks_hour: 1,
            requests_hour: 2,
            ..Default::default()
        };
        for a in crate::alerts::check(&signals) {
            wanted.push(format!("alert-{}", a.kind));
            wanted.push(format!("alert-{}", a.reason));
        }
        for r in ["found_not_swapped", "numbers_not_found"] {
            wanted.push(format!("alert-{r}"));
        }
        assert!(wanted.len() > 100, "the scan finds the dashboard's ids");
        let missing: Vec<&String> = wanted.iter().filter(|id| !en.contains(id)).collect();
        assert!(
            missing.is_empty(),
            "the dashboard names {missing:?}, which locales/en/dashboard.ftl lacks"
        );
    }

    #[test]
    fn plurals_follow_each_language() {
        let ru = Catalog::new("ru");
        let many = |c: &Catalog, n: usize| {
            c.alert(Words::Many {
                count: n,
                time: "09:15",
            })
        };
        assert_eq!(many(&ru, 1), "1 пропущенный звонок с 09:15");
        assert_eq!(many(&ru, 2), "2 пропущенных звонка с 09:15");
        assert_eq!(many(&ru, 5), "5 пропущенных звонков с 09:15");
        assert_eq!(many(&ru, 21), "21 пропущенный звонок с 09:15");
        let uk = Catalog::new("uk");
        assert_eq!(many(&uk, 3), "3 пропущені дзвінки з 09:15");
        assert_eq!(many(&uk, 11), "11 пропущених дзвінків з 09:15");
        let en = Catalog::new("en");
        assert_eq!(many(&en, 1), "1 missed call since 09:15");
        assert_eq!(many(&en, 2), "2 missed calls since 09:15");
        assert_eq!(Catalog::new("kk").alert(Words::Withheld), "жасырын нөмір");
        // A language without a catalog reads English.
        assert_eq!(Catalog::new("xx").alert(Words::Channel("direct")), "direct");
        assert_eq!(ru.alert(Words::Channel("paid_search")), "платный поиск");
        assert_eq!(ru.alert(Words::Channel("a_new_one")), "a_new_one");
    }
}

//! Numbers of their own for sources the site names (a billboard, a radio
//! spot, a partner's page) and the people who answer the calls.
//!
//! A [`Source`] is a static number with a label and a kind: an offline
//! kind ([`OFFLINE_KINDS`]: print, outdoor, radio, TV, partner, any other
//! offline source) or an online channel's name. Shown on the
//! site only to the visits its [`ShowOn`] rule picks (a partner's landing
//! page), or never (a billboard's number is only ever on the billboard); a
//! call to it is that source's with full confidence.
//!
//! An [`Agent`] is someone who answers: known by an id, a name, the numbers
//! the calls ring through to and the PBX extensions. [`Config::agent_of`]
//! reads whatever a PBX or Twilio says into the agent.
//!
//! ```
//! use pool_core::channel::{classify, Channel};
//! use pool_core::site::{Audience, Display, ShowOnSpec, SourceSpec, Spec, TargetSpec};
//!
//! let mut spec = Spec::default();
//! spec.targets.push(TargetSpec {
//!     number: "+74951234567".into(),
//!     pool: vec!["+74990000001".into()],
//!     ..TargetSpec::default()
//! });
//! spec.sources.push(SourceSpec {
//!     number: "+74990000070".into(),
//!     label: "Billboard, Tverskaya 1".into(),
//!     channel: "outdoor".into(),
//!     ..SourceSpec::default()
//! });
//! spec.sources.push(SourceSpec {
//!     number: "+74990000071".into(),
//!     label: "Partner: Acme".into(),
//!     channel: "partner".into(),
//!     show_on: Some(ShowOnSpec { utm_source: Some("acme".into()), ..ShowOnSpec::default() }),
//!     ..SourceSpec::default()
//! });
//! let config = spec.validate().unwrap();
//! let visit = classify("https://clinic.example/?utm_source=acme&utm_medium=referral", None, &[]);
//! let who = config.audience(&visit);
//! assert_eq!(who.source, Some(1));
//! assert_eq!(config.display(0, who), Display::Static("+74990000071".parse().unwrap()));
//! // Nobody is shown the billboard's number on the site.
//! let other = classify("https://clinic.example/?utm_source=google&utm_medium=cpc", None, &[]);
//! assert_eq!(config.display(0, config.audience(&other)), Display::Dynamic);
//! ```

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Config, Errors, MAX_TEXT};
use crate::channel::{Channel, Visit};
use crate::number::{PhoneNumber, Region};

/// A number of its own for one source, as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct SourceSpec {
    /// The tracking number printed on the billboard, said on the radio, shown
    /// on the partner's page.
    pub number: String,
    /// A name for people and reports: `Billboard, Tverskaya 1`.
    pub label: String,
    /// Its kind, the channel its calls are reported under: `print`,
    /// `outdoor`, `radio`, `tv`, `partner`, `offline` (any other offline
    /// source), or any channel's name.
    pub channel: String,
    /// The target it stands in for (as written in `targets`); the first
    /// target when absent.
    pub target: Option<String>,
    /// Which visits of the site are shown this number; none when absent.
    pub show_on: Option<ShowOnSpec>,
}

/// Which visits see a source's number: every field given must match the
/// visit (letter case aside).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ShowOnSpec {
    /// The visit's `utm_source` (or the source its referrer gave).
    pub utm_source: Option<String>,
    /// The visit's `utm_medium`.
    pub utm_medium: Option<String>,
    /// The visit's `utm_campaign`.
    pub utm_campaign: Option<String>,
    /// The visit's `utm_content`.
    pub utm_content: Option<String>,
    /// The referring host (`partner.example` also matches `www.partner.example`).
    pub referrer_host: Option<String>,
    /// The landing page's path starts with this (`/partners/acme`).
    pub path_prefix: Option<String>,
}

/// The kinds of offline sources, besides the visit channels' names.
pub const OFFLINE_KINDS: [&str; 6] = ["print", "outdoor", "radio", "tv", "partner", "offline"];

/// A validated source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Its tracking number.
    pub number: PhoneNumber,
    /// Its label.
    pub label: String,
    /// Its kind, as written: the channel its calls are reported under.
    pub kind: String,
    /// The channel the kind falls under among the visit channels
    /// (`offline` for the offline kinds, `affiliate` for partners).
    pub channel: Channel,
    /// The target it stands in for (index into [`Config::targets`]).
    pub target: usize,
    /// Which visits see it; `None`: no visit (offline only).
    pub show_on: Option<ShowOnSpec>,
}

impl ShowOnSpec {
    fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, v)| v.is_none())
    }

    fn fields(&self) -> [(&'static str, Option<&str>); 6] {
        [
            ("utm_source", self.utm_source.as_deref()),
            ("utm_medium", self.utm_medium.as_deref()),
            ("utm_campaign", self.utm_campaign.as_deref()),
            ("utm_content", self.utm_content.as_deref()),
            ("referrer_host", self.referrer_host.as_deref()),
            ("path_prefix", self.path_prefix.as_deref()),
        ]
    }

    /// Whether `visit` is one this rule picks.
    pub fn matches(&self, visit: &Visit) -> bool {
        let same = |want: &Option<String>, got: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| got.is_some_and(|g| g.trim().eq_ignore_ascii_case(w.trim())))
        };
        let host = self.referrer_host.as_deref().is_none_or(|w| {
            let w = w.trim().to_ascii_lowercase();
            visit.referrer_host.as_deref().is_some_and(|h| {
                h == w || (h.ends_with(&w) && h.as_bytes()[h.len() - w.len() - 1] == b'.')
            })
        });
        let path = self.path_prefix.as_deref().is_none_or(|p| {
            visit
                .landing_page
                .as_deref()
                .and_then(|l| l.find('/').map(|i| &l[i..]))
                .is_some_and(|path| path.starts_with(p.trim()))
        });
        same(&self.utm_source, Some(&visit.source))
            && same(&self.utm_medium, Some(&visit.medium))
            && same(&self.utm_campaign, visit.campaign.as_deref())
            && same(&self.utm_content, visit.content.as_deref())
            && host
            && path
    }
}

/// Who a visitor is, for what they are shown: the visit's channel and the
/// source whose rule picked the visit, if one did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    /// The visit's channel.
    pub channel: Channel,
    /// The source shown (index into [`Config::sources`]).
    pub source: Option<u16>,
}

impl From<Channel> for Audience {
    fn from(channel: Channel) -> Audience {
        Audience {
            channel,
            source: None,
        }
    }
}

/// Someone who answers calls, as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct AgentSpec {
    /// A short id for the API and reports: `anna`, `sales-2`.
    pub id: String,
    /// A name for people.
    pub name: String,
    /// The numbers calls ring through to on their phone (Twilio's `<Dial>`
    /// leg, a PBX's forwarding).
    pub numbers: Vec<String>,
    /// Their PBX extensions (`101`).
    pub extensions: Vec<String>,
}

/// A validated agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The numbers it answers on.
    pub numbers: Vec<PhoneNumber>,
    /// Its extensions.
    pub extensions: Vec<String>,
}

fn id_ok(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

/// Reads `agents` into [`Agent`]s, every bad field into `e`.
pub(super) fn agents(specs: &[AgentSpec], region: Option<Region>, e: &mut Errors) -> Vec<Agent> {
    if specs.len() > 500 {
        e.push("agents", "at most 500 agents");
    }
    let mut out: Vec<Agent> = Vec::new();
    for (i, a) in specs.iter().enumerate() {
        let at = |f: &str| format!("agents[{i}].{f}");
        if !id_ok(&a.id) {
            e.push(
                at("id"),
                "1 to 40 characters: lower-case letters, digits, - _ .",
            );
        } else if out.iter().any(|o| o.id == a.id) {
            e.push(at("id"), format!("{:?} is used by another agent", a.id));
        }
        if crate::text::char_count(&a.name) > MAX_TEXT {
            e.push(at("name"), format!("at most {MAX_TEXT} characters"));
        }
        let mut numbers = Vec::new();
        for (k, raw) in a.numbers.iter().enumerate() {
            match PhoneNumber::parse(raw, region) {
                Ok(n) if out.iter().any(|o| o.numbers.contains(&n)) || numbers.contains(&n) => {
                    e.push(
                        format!("agents[{i}].numbers[{k}]"),
                        format!("{n} belongs to another agent"),
                    );
                }
                Ok(n) => numbers.push(n),
                Err(err) => e.push(
                    format!("agents[{i}].numbers[{k}]"),
                    format!("{raw:?} is not a phone number: {err}"),
                ),
            }
        }
        for (k, x) in a.extensions.iter().enumerate() {
            let x = x.trim();
            if x.is_empty() || x.len() > 20 {
                e.push(format!("agents[{i}].extensions[{k}]"), "1 to 20 characters");
            } else if out.iter().any(|o| o.extensions.iter().any(|y| y == x)) {
                e.push(
                    format!("agents[{i}].extensions[{k}]"),
                    format!("{x:?} belongs to another agent"),
                );
            }
        }
        out.push(Agent {
            id: a.id.clone(),
            name: String::from(a.name.trim()),
            numbers,
            extensions: a
                .extensions
                .iter()
                .map(|x| String::from(x.trim()))
                .collect(),
        });
    }
    out
}

/// Reads `sources` into [`Source`]s; `number` checks and claims each number
/// for the site (no number twice).
pub(super) fn sources(
    specs: &[SourceSpec],
    targets: &[PhoneNumber],
    region: Option<Region>,
    e: &mut Errors,
    number: &mut dyn FnMut(&mut Errors, String, &str) -> Option<PhoneNumber>,
) -> Vec<Source> {
    if specs.len() > 1000 {
        e.push("sources", "at most 1000 sources");
    }
    let mut out = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let at = |f: &str| format!("sources[{i}].{f}");
        let n = number(e, at("number"), &s.number);
        let label = s.label.trim();
        if label.is_empty() || crate::text::char_count(label) > MAX_TEXT {
            e.push(at("label"), format!("1 to {MAX_TEXT} characters"));
        }
        let kind = s.channel.trim();
        let channel = match kind.parse::<Channel>() {
            Ok(c) => Some(c),
            Err(_) if kind == "partner" => Some(Channel::Affiliate),
            Err(_) if OFFLINE_KINDS.contains(&kind) => Some(Channel::Offline),
            Err(err) => {
                e.push(
                    at("channel"),
                    format!("{err}; or an offline kind: {}", OFFLINE_KINDS.join(", ")),
                );
                None
            }
        };
        let target = match s.target.as_deref() {
            None => Some(0),
            Some(raw) => match PhoneNumber::parse(raw, region) {
                Ok(t) => match targets.iter().position(|x| *x == t) {
                    Some(k) => Some(k),
                    None => {
                        e.push(at("target"), format!("{t} is not one of the targets"));
                        None
                    }
                },
                Err(err) => {
                    e.push(
                        at("target"),
                        format!("{raw:?} is not a phone number: {err}"),
                    );
                    None
                }
            },
        };
        if let Some(rule) = &s.show_on {
            if rule.is_empty() {
                e.push(
                    at("show_on"),
                    "name at least one field to match, or leave show_on out",
                );
            }
            for (name, v) in rule.fields() {
                if v.is_some_and(|v| v.trim().is_empty() || v.len() > MAX_TEXT) {
                    e.push(
                        format!("sources[{i}].show_on.{name}"),
                        format!("1 to {MAX_TEXT} characters"),
                    );
                }
            }
            if rule
                .path_prefix
                .as_deref()
                .is_some_and(|p| !p.trim().starts_with('/'))
            {
                e.push(
                    format!("sources[{i}].show_on.path_prefix"),
                    "a path, starting with /",
                );
            }
        }
        if let (Some(number), Some(channel), Some(target)) = (n, channel, target) {
            out.push(Source {
                number,
                label: String::from(label),
                kind: String::from(kind),
                channel,
                target,
                show_on: s.show_on.clone(),
            });
        }
    }
    out
}

impl Config {
    /// Who the visitor of `visit` is: its channel, and the first source
    /// whose rule picks it.
    pub fn audience(&self, visit: &Visit) -> Audience {
        Audience {
            channel: visit.channel,
            source: self
                .sources
                .iter()
                .position(|s| s.show_on.as_ref().is_some_and(|r| r.matches(visit)))
                .and_then(|i| u16::try_from(i).ok()),
        }
    }

    /// The agent a PBX or Twilio names: by id, then by a number it answers
    /// on, then by extension, then by name (letter case aside).
    pub fn agent_of(&self, said: &str) -> Option<&Agent> {
        let said = said.trim();
        if said.is_empty() {
            return None;
        }
        let number = PhoneNumber::parse(said, self.region).ok();
        self.agents
            .iter()
            .find(|a| a.id == said)
            .or_else(|| number.and_then(|n| self.agents.iter().find(|a| a.numbers.contains(&n))))
            .or_else(|| {
                self.agents
                    .iter()
                    .find(|a| a.extensions.iter().any(|x| x == said))
            })
            .or_else(|| {
                self.agents
                    .iter()
                    .find(|a| !a.name.is_empty() && a.name.eq_ignore_ascii_case(said))
            })
    }

    /// The agents target `index` rings at once (its `ring` list), each with
    /// the numbers to dial; empty when the target number itself is dialled.
    pub fn ring_of(&self, index: usize) -> Vec<&Agent> {
        self.targets.get(index).map_or_else(Vec::new, |t| {
            t.ring
                .iter()
                .filter_map(|id| self.agents.iter().find(|a| &a.id == id))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::classify;
    use crate::site::{Display, Role, Spec, TargetSpec};
    use alloc::vec;

    fn spec() -> Spec {
        let mut s = Spec {
            region: Some("RU".into()),
            ..Spec::default()
        };
        for (n, p) in [
            ("+74951234567", "+74990000001"),
            ("+74957654321", "+74990000002"),
        ] {
            s.targets.push(TargetSpec {
                number: n.into(),
                pool: vec![p.into()],
                ..TargetSpec::default()
            });
        }
        s.sources = vec![
            SourceSpec {
                number: "8 499 000-00-70".into(),
                label: "Billboard".into(),
                channel: "outdoor".into(),
                ..SourceSpec::default()
            },
            SourceSpec {
                number: "+74990000071".into(),
                label: "Acme".into(),
                channel: "partner".into(),
                target: Some("8 (495) 765-43-21".into()),
                show_on: Some(ShowOnSpec {
                    referrer_host: Some("acme.example".into()),
                    path_prefix: Some("/promo".into()),
                    ..ShowOnSpec::default()
                }),
            },
        ];
        s.agents = vec![
            AgentSpec {
                id: "anna".into(),
                name: "Anna Petrova".into(),
                numbers: vec!["+79160000001".into()],
                extensions: vec!["101".into()],
            },
            AgentSpec {
                id: "boris".into(),
                name: "Boris".into(),
                numbers: vec!["8 916 000-00-02".into()],
                extensions: vec![],
            },
        ];
        s.targets[0].ring = vec!["anna".into(), "boris".into()];
        s
    }

    #[test]
    fn sources_are_shown_only_where_their_rule_says() {
        let c = spec().validate().unwrap();
        assert_eq!(c.sources.len(), 2);
        assert_eq!(c.sources[1].target, 1);
        let on = |url: &str, referrer: Option<&str>| c.audience(&classify(url, referrer, &[]));
        let partner = on(
            "https://clinic.example/promo/x",
            Some("https://www.acme.example/"),
        );
        assert_eq!(partner.source, Some(1));
        assert_eq!(c.display(1, partner), Display::Static(c.sources[1].number));
        // The source stands in for its own target only.
        assert_eq!(c.display(0, partner), Display::Dynamic);
        // Every field must match: another path, or a host that only ends alike.
        assert_eq!(
            on("https://clinic.example/", Some("https://acme.example/")).source,
            None
        );
        assert_eq!(
            on(
                "https://clinic.example/promo",
                Some("https://notacme.example/")
            )
            .source,
            None
        );
        // A billboard's number is on no page.
        for url in [
            "https://clinic.example/?utm_medium=outdoor",
            "https://clinic.example/",
        ] {
            let who = on(url, None);
            assert!((0..2).all(|i| c.display(i, who) != Display::Static(c.sources[0].number)));
        }
        assert_eq!(c.role_of(c.sources[0].number), Some((0, Role::Source(0))));
        assert_eq!(c.role_of(c.sources[1].number), Some((1, Role::Source(1))));
        assert_eq!(c.to_spec().validate().unwrap(), c);
    }

    #[test]
    fn agents_are_found_by_whatever_names_them() {
        let c = spec().validate().unwrap();
        for said in [
            "anna",
            "+79160000001",
            "8 916 000-00-01",
            "101",
            "anna petrova",
        ] {
            assert_eq!(
                c.agent_of(said).map(|a| a.id.as_str()),
                Some("anna"),
                "{said}"
            );
        }
        assert_eq!(
            c.agent_of("89160000002").map(|a| a.id.as_str()),
            Some("boris")
        );
        assert!(c.agent_of("102").is_none() && c.agent_of(" ").is_none());
        let ring: Vec<&str> = c.ring_of(0).iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ring, ["anna", "boris"]);
        assert!(c.ring_of(1).is_empty() && c.ring_of(9).is_empty());
    }

    #[test]
    fn bad_sources_and_agents_are_each_reported() {
        let mut s = spec();
        s.sources[0].channel = "billboards".into();
        s.sources[1].number = "+74990000001".into(); // a pool number
        s.sources[1].target = Some("+74950000000".into());
        s.sources.push(SourceSpec {
            number: "+74990000072".into(),
            label: " ".into(),
            channel: "radio".into(),
            show_on: Some(ShowOnSpec {
                path_prefix: Some("promo".into()),
                ..ShowOnSpec::default()
            }),
            ..SourceSpec::default()
        });
        s.sources.push(SourceSpec {
            number: "+74990000073".into(),
            label: "Empty rule".into(),
            channel: "tv".into(),
            show_on: Some(ShowOnSpec::default()),
            ..SourceSpec::default()
        });
        s.agents[1].id = "Anna!".into();
        s.agents[1].numbers = vec!["+79160000001".into()];
        s.agents[1].extensions = vec!["101".into()];
        s.targets[1].ring = vec!["nobody".into()];
        let e = s.validate().unwrap_err();
        let paths: Vec<&str> = e.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "targets[0].ring[1]", // boris's id is bad: no such agent
                "targets[1].ring[0]",
                "sources[0].channel",
                "sources[1].number",
                "sources[1].target",
                "sources[2].label",
                "sources[2].show_on.path_prefix",
                "sources[3].show_on",
                "agents[1].id",
                "agents[1].numbers[0]",
                "agents[1].extensions[0]",
            ],
            "{e}"
        );
    }
}

//! A site's configuration: what is written ([`Spec`]) and what is checked ([`Config`]).
//!
//! [`Spec`] is the documented file format (JSON with the `serde` feature):
//! numbers as strings, durations in seconds, channels by name. [`Spec::validate`]
//! reads it into a [`Config`] or reports every bad field at once, each with
//! its path (`targets[0].pool[3]`) and what is wrong.
//!
//! Rooms: `spec` (the site as written), `integrations` (the vendors, their
//! addresses and the secrets' rules), `validate`, `config` (the site as
//! checked), `sources` (offline sources and agents), `aggregate` (the
//! site's pools in memory, [`Site`]).
//!
//! ```
//! use pool_core::site::{Spec, TargetSpec};
//! let mut spec = Spec::default();
//! spec.region = Some("RU".into());
//! spec.targets.push(TargetSpec {
//!     number: "8 (495) 123-45-67".into(),
//!     pool: vec!["+74990000001".into(), "+74990000002".into()],
//!     ..TargetSpec::default()
//! });
//! let config = spec.validate().unwrap();
//! assert_eq!(config.targets[0].pool.len(), 2);
//!
//! spec.fixation_secs = 0;
//! spec.targets[0].pool.push("+74990000001".into());
//! let err = spec.validate().unwrap_err();
//! assert_eq!(err.errors.len(), 2);
//! ```

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::channel::Channel;
use crate::number::{PhoneNumber, Region};
use crate::pool::{self, Exhaustion};
use crate::text::Part;
use crate::time::Duration;

mod aggregate;
mod config;
mod integrations;
mod sources;
mod spec;
mod validate;
pub use aggregate::{Beat, Plain, Shown, Site, Why};
pub use config::*;
pub use integrations::*;
pub use sources::{Agent, AgentSpec, Audience, ShowOnSpec, Source, SourceSpec, OFFLINE_KINDS};
pub use spec::*;
pub use validate::*;
use validate::{Errors, MAX_TEXT};

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn good() -> Spec {
        let mut s = Spec {
            name: "Clinic".into(),
            origins: vec![
                "https://clinic.example".into(),
                "http://localhost:8080/".into(),
            ],
            region: Some("RU".into()),
            ..Spec::default()
        };
        s.targets.push(TargetSpec {
            number: "8 (495) 123-45-67".into(),
            label: "Main".into(),
            pool: vec!["+74990000001".into(), "+7 499 000-00-02".into()],
            fallback: Some("+74990000099".into()),
            static_numbers: [("offline".to_string(), "+74990000050".to_string())]
                .into_iter()
                .collect(),
            ring: Vec::new(),
        });
        s
    }

    #[test]
    fn a_visit_is_live_for_two_heartbeats_and_at_least_two_minutes() {
        let mut s = good();
        s.heartbeat_secs = 15;
        assert_eq!(s.validate().unwrap().live_window(), Duration::from_mins(2));
        s.heartbeat_secs = 300;
        assert_eq!(s.validate().unwrap().live_window(), Duration::from_mins(10));
    }

    #[test]
    fn only_the_vendors_own_hosts_are_a_site_keys_to_set() {
        let mut s = IntegrationsSpec {
            twilio: Some(TwilioSpec {
                api_base: Some("https://api.twilio.com".into()),
                ..TwilioSpec::default()
            }),
            pipedrive: Some(PipedriveSpec {
                api_base: Some("https://acme.pipedrive.com".into()),
                ..PipedriveSpec::default()
            }),
            ..IntegrationsSpec::default()
        };
        assert_eq!(s.foreign_vendors(None), []);
        let stored = s.clone();
        s.twilio.as_mut().unwrap().api_base = Some("https://evil.example/api.twilio.com".into());
        s.pipedrive.as_mut().unwrap().api_base = Some("https://pipedrive.com.evil.example".into());
        let paths: Vec<String> = s
            .foreign_vendors(Some(&stored))
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            [
                "integrations.twilio.api_base",
                "integrations.pipedrive.api_base"
            ]
        );
        // Plain http to the vendor is not the vendor either; an address the
        // deployment set before and left as it was stays.
        s.twilio.as_mut().unwrap().api_base = Some("http://api.twilio.com".into());
        assert_eq!(s.foreign_vendors(Some(&stored)).len(), 2);
        let mut set_by_deployment = stored.clone();
        set_by_deployment.twilio.as_mut().unwrap().api_base = Some("http://127.0.0.1:9".into());
        assert_eq!(
            set_by_deployment.foreign_vendors(Some(&set_by_deployment)),
            []
        );
    }

    #[test]
    fn secrets_are_hidden_and_kept_only_where_they_belong() {
        let mut stored = good();
        stored.integrations = IntegrationsSpec {
            twilio: Some(TwilioSpec {
                auth_token: "tw-token".into(),
                ..TwilioSpec::default()
            }),
            webhooks: vec![WebhookSpec {
                url: "https://crm.example/in".into(),
                secret: "0123456789abcdef-crm".into(),
                events: vec![],
            }],
            ga4: Some(Ga4Spec {
                measurement_id: "G-X".into(),
                api_secret: "ga-secret".into(),
                endpoint: None,
            }),
            email: Some(EmailSpec {
                provider: "postmark".into(),
                server_token: "pm-token".into(),
                from: "alerts@clinic.example".into(),
                api_base: None,
            }),
            pipedrive: None,
            amocrm: None,
            zadarma: None,
            turnstile: Some(TurnstileSpec {
                site_key: "0x4AAAA".into(),
                secret_key: "ts-secret".into(),
                ..TurnstileSpec::default()
            }),
            metrica: Some(MetricaSpec {
                counter_id: 44_556_677,
                oauth_token: "y0_metrica-token".into(),
                api_base: None,
            }),
            google_ads: Some(GoogleAdsSpec {
                customer_id: "123-456-7890".into(),
                conversion_action_id: 987_654,
                developer_token: "dev-token".into(),
                client_id: "client.apps.googleusercontent.com".into(),
                client_secret: "client-secret".into(),
                refresh_token: "1//refresh".into(),
                ..GoogleAdsSpec::default()
            }),
            yandex_direct: Some(YandexDirectSpec {
                oauth_token: "y0_direct-token".into(),
                ..YandexDirectSpec::default()
            }),
        };
        let shown = stored.redacted();
        assert_eq!(
            shown.integrations.metrica.as_ref().unwrap().oauth_token,
            HIDDEN
        );
        let i = &shown.integrations;
        assert_eq!(i.turnstile.as_ref().unwrap().secret_key, HIDDEN);
        assert_eq!(i.email.as_ref().unwrap().server_token, HIDDEN);
        assert_eq!(i.twilio.as_ref().unwrap().auth_token, HIDDEN);
        assert_eq!(i.webhooks[0].secret, HIDDEN);
        assert_eq!(i.ga4.as_ref().unwrap().api_secret, HIDDEN);
        assert_eq!(shown.targets, stored.targets);

        // Written back as shown: every secret kept, the same config.
        let mut back = shown.clone();
        back.integrations.keep_secrets(&stored.integrations);
        assert_eq!(back, stored);
        assert!(back.validate().is_ok());

        // A hidden secret for another URL, or with nothing stored: refused,
        // never carried over.
        let mut moved = shown.clone();
        moved.integrations.webhooks[0].url = "https://elsewhere.example/".into();
        moved.integrations.keep_secrets(&stored.integrations);
        let e = moved.validate().unwrap_err();
        assert_eq!(e.errors.len(), 1, "{e}");
        assert_eq!(e.errors[0].path, "integrations.webhooks[0].secret");
        // A vendor's address moved with its secret hidden: refused, the
        // stored secret never sent to the new address.
        let mut elsewhere = shown.clone();
        let evil = Some(String::from("https://attacker.example"));
        elsewhere.integrations.twilio.as_mut().unwrap().api_base = evil.clone();
        elsewhere.integrations.ga4.as_mut().unwrap().endpoint = evil.clone();
        elsewhere.integrations.email.as_mut().unwrap().api_base = evil.clone();
        elsewhere.integrations.metrica.as_mut().unwrap().api_base = evil.clone();
        elsewhere.integrations.google_ads.as_mut().unwrap().api_base = evil.clone();
        elsewhere
            .integrations
            .google_ads
            .as_mut()
            .unwrap()
            .token_url = evil.clone();
        elsewhere
            .integrations
            .yandex_direct
            .as_mut()
            .unwrap()
            .api_base = evil;
        elsewhere.integrations.keep_secrets(&stored.integrations);
        let i = &elsewhere.integrations;
        assert_eq!(i.twilio.as_ref().unwrap().auth_token, HIDDEN);
        assert_eq!(i.ga4.as_ref().unwrap().api_secret, HIDDEN);
        assert_eq!(i.email.as_ref().unwrap().server_token, HIDDEN);
        assert_eq!(i.metrica.as_ref().unwrap().oauth_token, HIDDEN);
        let e = elsewhere.validate().unwrap_err();
        let paths: Vec<&str> = e.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "integrations.twilio.auth_token",
                "integrations.ga4.api_secret",
                "integrations.email.server_token",
                "integrations.yandex_direct.oauth_token",
                "integrations.google_ads.developer_token",
                "integrations.google_ads.client_secret",
                "integrations.google_ads.refresh_token",
                "integrations.metrica.oauth_token"
            ]
        );
        // Pipedrive: its token follows its API's address; the webhook secret
        // (which only checks Pipedrive's calls to us) stays.
        let pd = |base: Option<&str>, token: &str| PipedriveSpec {
            api_token: token.into(),
            api_base: base.map(String::from),
            webhook_secret: if token == HIDDEN {
                HIDDEN.into()
            } else {
                "0123456789abcdef-pd".into()
            },
            won_outcome: None,
            lost_outcome: None,
        };
        let with_pd = IntegrationsSpec {
            pipedrive: Some(pd(Some("https://acme.pipedrive.com"), "pd-token")),
            ..IntegrationsSpec::default()
        };
        for (base, kept) in [
            (Some("https://acme.pipedrive.com"), true),
            (Some("https://attacker.example"), false),
            (None, false),
        ] {
            let mut again = IntegrationsSpec {
                pipedrive: Some(pd(base, HIDDEN)),
                ..IntegrationsSpec::default()
            };
            again.keep_secrets(&with_pd);
            let p = again.pipedrive.unwrap();
            assert_eq!(p.api_token == "pd-token", kept, "{base:?}");
            assert_eq!(p.webhook_secret, "0123456789abcdef-pd");
        }
        // amoCRM: its tokens follow the account (the API's address); the
        // webhook secret stays.
        let amo = |sub: &str, token: &str| AmoCrmSpec {
            subdomain: sub.into(),
            access_token: token.into(),
            webhook_secret: if token == HIDDEN {
                HIDDEN.into()
            } else {
                "0123456789abcdef-amo".into()
            },
            ..AmoCrmSpec::default()
        };
        let with_amo = IntegrationsSpec {
            amocrm: Some(amo("clinic", "amo-token")),
            ..IntegrationsSpec::default()
        };
        for (sub, kept) in [("clinic", true), ("attacker", false)] {
            let mut again = IntegrationsSpec {
                amocrm: Some(amo(sub, HIDDEN)),
                ..IntegrationsSpec::default()
            };
            again.keep_secrets(&with_amo);
            let a = again.amocrm.unwrap();
            assert_eq!(a.access_token == "amo-token", kept, "{sub}");
            assert_eq!(a.webhook_secret, "0123456789abcdef-amo");
        }
        // A site key may point it only at amoCRM's (or Kommo's) own hosts.
        for (base, ok) in [
            ("https://clinic.amocrm.ru", true),
            ("https://clinic.kommo.com", true),
            ("https://amocrm.ru.attacker.example", false),
        ] {
            let mut a = amo("clinic", "amo-token");
            a.api_base = Some(base.into());
            let spec = IntegrationsSpec {
                amocrm: Some(a),
                ..IntegrationsSpec::default()
            };
            assert_eq!(spec.foreign_vendors(None).is_empty(), ok, "{base}");
        }
        let mut fresh = shown;
        fresh
            .integrations
            .keep_secrets(&IntegrationsSpec::default());
        let e = fresh.validate().unwrap_err();
        let paths: Vec<&str> = e.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "integrations.twilio.auth_token",
                "integrations.webhooks[0].secret",
                "integrations.ga4.api_secret",
                "integrations.email.server_token",
                "integrations.yandex_direct.oauth_token",
                "integrations.google_ads.developer_token",
                "integrations.google_ads.client_secret",
                "integrations.google_ads.refresh_token",
                "integrations.metrica.oauth_token",
                "integrations.turnstile.secret_key"
            ]
        );
    }

    #[test]
    fn a_good_spec_validates_and_round_trips() {
        let c = good().validate().unwrap();
        assert_eq!(c.targets[0].number.to_string(), "+74951234567");
        assert_eq!(
            c.origins,
            ["https://clinic.example", "http://localhost:8080"]
        );
        assert_eq!(c.region, Some(Region::RU));
        assert_eq!(c.fixation, Duration::from_mins(30));
        let again = c.to_spec().validate().unwrap();
        assert_eq!(again, c);
        let pc = c.pool_config(0);
        assert_eq!(pc.fallback, c.targets[0].fallback);
        assert_eq!(c.try_pool_config(1), None);
    }

    #[test]
    fn reports_every_bad_field() {
        let mut s = good();
        s.origins.push("ftp://x".into());
        s.region = Some("XX".into());
        s.time_zone = "Europe Moscow".into();
        s.dynamic_channels.push("television".into());
        s.fixation_secs = 0;
        s.exhaustion = "panic".into();
        s.retention_days = 0;
        s.limits.sessions_per_site_per_minute = 0;
        s.ignore_selectors.push("a{}".into());
        s.targets.push(TargetSpec {
            number: "+74990000001".into(), // already a pool number of target 0
            pool: vec!["not a number".into()],
            static_numbers: [("television".to_string(), "+74990000060".to_string())]
                .into_iter()
                .collect(),
            ..TargetSpec::default()
        });
        let err = s.validate().unwrap_err();
        let paths: Vec<&str> = err.errors.iter().map(|e| e.path.as_str()).collect();
        for p in [
            "origins[2]",
            "region",
            "time_zone",
            "dynamic_channels[8]",
            "targets[1].number",
            "targets[1].pool[0]",
            "targets[1].static_numbers.television",
            "fixation_secs",
            "exhaustion",
            "retention_days",
            "limits.sessions_per_site_per_minute",
            "ignore_selectors[0]",
        ] {
            assert!(paths.contains(&p), "{p} missing from {paths:?}");
        }
        // With region unknown, national numbers fail too: each says why.
        assert!(err.to_string().contains("invalid field(s)"));
    }

    #[test]
    fn duplicates_across_pools_and_roles() {
        let mut s = good();
        s.targets.push(TargetSpec {
            number: "+74951234568".into(),
            pool: vec!["+74990000002".into()],
            fallback: Some("+74990000099".into()),
            ..TargetSpec::default()
        });
        let err = s.validate().unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert_eq!(err.errors[0].path, "targets[1].pool[0]");
        assert!(err.errors[0].message.contains("targets[0].pool[1]"));
        assert_eq!(err.errors[1].path, "targets[1].fallback");
    }

    #[test]
    fn empty_pool_needs_a_fallback_or_no_dynamic_channel() {
        let mut s = good();
        s.targets[0].pool.clear();
        s.targets[0].fallback = None;
        let err = s.validate().unwrap_err();
        assert_eq!(err.errors[0].path, "targets[0].pool");
        s.dynamic_channels.clear();
        assert!(s.validate().is_ok());
    }

    #[test]
    fn timing_rules() {
        let mut s = good();
        s.heartbeat_secs = s.fixation_secs;
        s.exhaustion = "recycle".into();
        s.recycle_min_idle_secs = 1;
        s.heartbeat_secs = 60;
        s.fixation_secs = 60;
        s.retention_days = 10;
        let err = s.validate().unwrap_err();
        let paths: Vec<&str> = err.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["heartbeat_secs", "recycle_min_idle_secs", "retention_days"]
        );
    }

    #[test]
    fn display_by_channel() {
        let mut s = good();
        s.dynamic_channels = vec!["paid_search".into()];
        let c = s.validate().unwrap();
        assert_eq!(c.display(0, Channel::PaidSearch), Display::Dynamic);
        assert_eq!(
            c.display(0, Channel::Offline),
            Display::Static("+74990000050".parse().unwrap())
        );
        assert_eq!(c.display(0, Channel::Direct), Display::Original);
        assert_eq!(c.display(5, Channel::PaidSearch), Display::Original);
        let n = |s: &str| s.parse::<PhoneNumber>().unwrap();
        assert_eq!(c.role_of(n("+74990000002")), Some((0, Role::Pool)));
        assert_eq!(c.role_of(n("+74990000099")), Some((0, Role::Fallback)));
        assert_eq!(
            c.role_of(n("+74990000050")),
            Some((0, Role::Static(Channel::Offline)))
        );
        assert_eq!(c.role_of(n("+74951234567")), Some((0, Role::Target)));
        assert_eq!(c.role_of(n("+74951234500")), None);
    }

    #[test]
    fn missed_call_alerts_need_their_channels() {
        let mut s = good();
        s.missed_call_alerts = Some(MissedAlertsSpec {
            sms: vec!["8 916 123-45-67".into(), "not a number".into()],
            email: vec!["head@clinic.example".into(), "a@b".into()],
            quiet_hours: Some(QuietHoursSpec {
                from: "21:00".into(),
                to: "21:00".into(),
            }),
            digest_minutes: 2000,
        });
        let e = s.validate().unwrap_err();
        let paths: Vec<&str> = e.errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "missed_call_alerts.sms[1]",
                "missed_call_alerts.email[1]",
                "missed_call_alerts.sms",
                "missed_call_alerts.email",
                "missed_call_alerts.digest_minutes",
                "missed_call_alerts.quiet_hours"
            ],
            "{e}"
        );
        let m = s.missed_call_alerts.as_mut().unwrap();
        m.sms.pop();
        m.email.pop();
        m.quiet_hours.as_mut().unwrap().to = "09:00".into();
        m.digest_minutes = 15;
        s.integrations.twilio = Some(TwilioSpec {
            auth_token: "tw-token".into(),
            account_sid: Some(format!("AC{}", "0".repeat(32))),
            sms_from: Some("+74990000000".into()),
            ..TwilioSpec::default()
        });
        s.integrations.email = Some(EmailSpec {
            provider: "postmark".into(),
            server_token: "pm".into(),
            from: "alerts@clinic.example".into(),
            api_base: None,
        });
        let c = s.validate().unwrap();
        let m = c.missed_alerts.as_ref().unwrap();
        assert_eq!(m.sms[0].to_string(), "+79161234567");
        assert_eq!(m.policy.digest, Duration::from_mins(15));
        assert_eq!(m.policy.quiet.unwrap().from_min, 21 * 60);
        assert_eq!(c.to_spec().validate().unwrap(), c);
    }

    #[test]
    fn origins() {
        let mut s = good();
        s.origins = vec![
            "https://*.clinic.example".into(),
            "HTTPS://Clinic.Example:8443".into(),
        ];
        let c = s.validate().unwrap();
        assert!(c.allows_origin("https://www.clinic.example"));
        assert!(c.allows_origin("https://clinic.example:8443"));
        assert!(!c.allows_origin("https://clinic.example"));
        assert!(!c.allows_origin("https://evilclinic.example"));
        assert!(!c.allows_origin("http://www.clinic.example"));
        for bad in [
            "clinic.example",
            "https://",
            "https://a/b",
            "https://a:99999",
            "https://a b",
            "https://*x.com",
            "https://a.*.com",
        ] {
            assert!(origin(bad).is_err(), "{bad}");
        }
    }
}

//! Integration secrets at rest: sealed with AES-256-GCM under the
//! deployment's `SECRETS_KEY` (32 random bytes, base64) before the config
//! is stored, opened when it is loaded. A sealed secret is written
//! `sealed:v1:<base64 of nonce and ciphertext>`; the site's name is the
//! associated data, so a sealed value copied into another site's config
//! does not open.
//!
//! Rotation: set the new key as `SECRETS_KEY` and the old one as
//! `SECRETS_KEY_OLD`; every config is opened with either and sealed again
//! with the new key when it is next written (any config change, or a
//! `PUT` of the config as it is). Without `SECRETS_KEY` secrets are stored
//! as given (README, Security).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;

use pool_core::site::IntegrationsSpec;

/// How a sealed secret starts.
pub const PREFIX: &str = "sealed:v1:";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Why a key or a sealed secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealError {
    /// `SECRETS_KEY` (or the old one) is not 32 bytes in base64.
    BadKey(&'static str),
    /// A sealed secret that no key given opens (the key is missing, or another).
    CannotOpen,
    /// No random nonce could be drawn.
    NoRandom,
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealError::BadKey(name) => write!(f, "{name} is not 32 bytes in base64"),
            SealError::CannotOpen => {
                f.write_str("a sealed secret opens with neither SECRETS_KEY nor SECRETS_KEY_OLD")
            }
            SealError::NoRandom => f.write_str("no random nonce could be drawn"),
        }
    }
}

impl std::error::Error for SealError {}

/// The deployment's keys: the one that seals, and one more that still opens.
pub struct Keys {
    current: Option<Aes256Gcm>,
    old: Option<Aes256Gcm>,
}

fn cipher(name: &'static str, b64: Option<&str>) -> Result<Option<Aes256Gcm>, SealError> {
    let Some(text) = b64.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let bytes = B64.decode(text).map_err(|_| SealError::BadKey(name))?;
    let key: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey(name))?;
    Ok(Some(Aes256Gcm::new(&key.into())))
}

impl Keys {
    /// From the variables `SECRETS_KEY` and `SECRETS_KEY_OLD` (either may be unset).
    pub fn new(current: Option<&str>, old: Option<&str>) -> Result<Keys, SealError> {
        Ok(Keys {
            current: cipher("SECRETS_KEY", current)?,
            old: cipher("SECRETS_KEY_OLD", old)?,
        })
    }

    /// `secret` sealed for `site`; as it is without a key.
    pub fn seal(&self, site: &str, secret: &str) -> Result<String, SealError> {
        let Some(c) = &self.current else {
            return Ok(secret.to_string());
        };
        if secret.starts_with(PREFIX) {
            return Ok(secret.to_string());
        }
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|_| SealError::NoRandom)?;
        let sealed = c
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: site.as_bytes(),
                },
            )
            .map_err(|_| SealError::CannotOpen)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", B64.encode(out)))
    }

    /// `stored` opened for `site` (with the current key, else the old one);
    /// a secret stored before sealing, as it is.
    pub fn open(&self, site: &str, stored: &str) -> Result<String, SealError> {
        let Some(body) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let raw = B64.decode(body).map_err(|_| SealError::CannotOpen)?;
        if raw.len() < 12 + 16 {
            return Err(SealError::CannotOpen);
        }
        let (nonce, sealed) = raw.split_at(12);
        for c in [&self.current, &self.old].into_iter().flatten() {
            let payload = Payload {
                msg: sealed,
                aad: site.as_bytes(),
            };
            if let Ok(plain) = c.decrypt(Nonce::from_slice(nonce), payload) {
                return String::from_utf8(plain).map_err(|_| SealError::CannotOpen);
            }
        }
        Err(SealError::CannotOpen)
    }

    /// Every secret of `integrations` sealed.
    pub fn seal_all(
        &self,
        site: &str,
        i: &IntegrationsSpec,
    ) -> Result<IntegrationsSpec, SealError> {
        i.try_map_secrets(|s| self.seal(site, s))
    }

    /// Every secret of `integrations` opened.
    pub fn open_all(
        &self,
        site: &str,
        i: &IntegrationsSpec,
    ) -> Result<IntegrationsSpec, SealError> {
        i.try_map_secrets(|s| self.open(site, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const K2: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

    #[test]
    fn sealed_opens_for_its_site_only_and_with_the_old_key_after_rotation() {
        let k = Keys::new(Some(K1), None).unwrap();
        let s = k.seal("clinic", "twilio-token").unwrap();
        assert!(s.starts_with(PREFIX) && !s.contains("twilio-token"));
        assert_ne!(
            s,
            k.seal("clinic", "twilio-token").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(k.open("clinic", &s).unwrap(), "twilio-token");
        assert_eq!(k.open("other", &s), Err(SealError::CannotOpen));
        // Rotated: the old key still opens; sealed again, the new one.
        let rotated = Keys::new(Some(K2), Some(K1)).unwrap();
        assert_eq!(rotated.open("clinic", &s).unwrap(), "twilio-token");
        let again = rotated
            .seal("clinic", &rotated.open("clinic", &s).unwrap())
            .unwrap();
        assert_eq!(
            Keys::new(Some(K2), None)
                .unwrap()
                .open("clinic", &again)
                .unwrap(),
            "twilio-token"
        );
        // Without the key a sealed secret does not open; a plain one is as it is.
        let none = Keys::new(None, None).unwrap();
        assert_eq!(none.open("clinic", &s), Err(SealError::CannotOpen));
        assert_eq!(none.open("clinic", "plain").unwrap(), "plain");
        assert_eq!(none.seal("clinic", "plain").unwrap(), "plain");
        assert_eq!(
            Keys::new(Some("short"), None).err(),
            Some(SealError::BadKey("SECRETS_KEY"))
        );
    }
}

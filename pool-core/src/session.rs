//! Session ids: one visitor, identified by a random id made in the browser.

use core::fmt;
use core::str::FromStr;

/// A visitor's session: 128 random bits drawn by the browser (never by the core).
///
/// Written as 32 lower-case hex digits; a UUID with hyphens is read too.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(u128);

impl SessionId {
    /// A session id from its 128 bits.
    pub const fn from_u128(bits: u128) -> SessionId {
        SessionId(bits)
    }

    /// The 128 bits.
    pub const fn as_u128(self) -> u128 {
        self.0
    }
}

/// Why a string is not a session id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionIdError {
    /// Not 32 hex digits (or a 36-character UUID).
    BadLength,
    /// A character that is not a hex digit (or a UUID's hyphen).
    BadCharacter,
}

impl fmt::Display for SessionIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionIdError::BadLength => "a session id is 32 hex digits or a UUID",
            SessionIdError::BadCharacter => {
                "a session id may hold only hex digits and UUID hyphens"
            }
        })
    }
}

impl core::error::Error for SessionIdError {}

impl FromStr for SessionId {
    type Err = SessionIdError;
    fn from_str(s: &str) -> Result<SessionId, SessionIdError> {
        let b = s.as_bytes();
        let hyphens: &[usize] = match b.len() {
            32 => &[],
            36 => &[8, 13, 18, 23],
            _ => return Err(SessionIdError::BadLength),
        };
        let mut v: u128 = 0;
        for (i, &c) in b.iter().enumerate() {
            if hyphens.contains(&i) {
                if c != b'-' {
                    return Err(SessionIdError::BadCharacter);
                }
                continue;
            }
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(SessionIdError::BadCharacter),
            };
            v = (v << 4) | u128::from(d);
        }
        Ok(SessionId(v))
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for SessionId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for SessionId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SessionId, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn hex_and_uuid() {
        let a: SessionId = "0123456789abcdef0123456789ABCDEF".parse().unwrap();
        assert_eq!(a.to_string(), "0123456789abcdef0123456789abcdef");
        let u: SessionId = "01234567-89ab-cdef-0123-456789abcdef".parse().unwrap();
        assert_eq!(a, u);
        assert_eq!(
            SessionId::from_u128(1).to_string(),
            "00000000000000000000000000000001"
        );
        assert_eq!(SessionId::from_u128(7).as_u128(), 7);
    }

    #[test]
    fn errors() {
        assert_eq!("".parse::<SessionId>(), Err(SessionIdError::BadLength));
        assert_eq!("abc".parse::<SessionId>(), Err(SessionIdError::BadLength));
        assert_eq!(
            "0123456789abcdef0123456789abcdeg".parse::<SessionId>(),
            Err(SessionIdError::BadCharacter)
        );
        assert_eq!(
            "01234567-89ab-cdef-0123x456789abcdef".parse::<SessionId>(),
            Err(SessionIdError::BadCharacter)
        );
        // Multi-byte characters never slice a char.
        assert!("é".repeat(16).parse::<SessionId>().is_err());
        assert!(!SessionIdError::BadLength.to_string().is_empty());
    }
}

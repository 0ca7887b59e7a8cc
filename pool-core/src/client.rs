//! Who is asking: the network a visitor's address belongs to, as the
//! limits count it. One IPv4 address is one client; an IPv6 client is its
//! /64, the block one household or one phone is given (a client that
//! rotates through its 2^64 addresses is still one).
//!
//! The shell hashes the network with a salt of its own and hands the core
//! an opaque [`Client`]: the core counts, it never sees an address.
//!
//! ```
//! use pool_core::client::network;
//! assert_eq!(network("203.0.113.7").unwrap(), "203.0.113.7");
//! assert_eq!(network("2001:db8:1:2:aaaa::1").unwrap(), "2001:db8:1:2::/64");
//! assert_eq!(network("2001:db8:1:2:ffff::9"), network("2001:db8:1:2::1"));
//! assert_eq!(network("::ffff:203.0.113.7").unwrap(), "203.0.113.7");
//! assert!(network("not an address").is_err());
//! ```

use alloc::format;
use alloc::string::String;
use core::fmt;
use core::net::IpAddr;

/// A client of the limits: the salted hash of its [`network`], made by the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Client(pub u64);

/// Why an address names no client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressError;

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an IPv4 or IPv6 address")
    }
}

impl core::error::Error for AddressError {}

/// The network `address` is counted by: an IPv4 address itself, an IPv6
/// address's /64 (written `prefix::/64`). An IPv4 address mapped into
/// IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
pub fn network(address: &str) -> Result<String, AddressError> {
    let ip: IpAddr = address.trim().parse().map_err(|_| AddressError)?;
    Ok(match ip {
        IpAddr::V4(v4) => format!("{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("{v4}"),
            None => {
                let s = v6.segments();
                let net = core::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_address_of_one_64_is_one_network_and_the_next_64_is_another() {
        let a = network("2a00:1450:4010:c05::64").unwrap();
        for tail in ["::1", ":ffff:ffff:ffff:ffff", ":1:2:3:4"] {
            let addr = format!("2a00:1450:4010:c05{tail}");
            assert_eq!(network(&addr).unwrap(), a, "{addr}");
        }
        assert_ne!(network("2a00:1450:4010:c06::1").unwrap(), a);
        assert_ne!(network("203.0.113.7"), network("203.0.113.8"));
    }

    #[test]
    fn what_is_not_an_address_is_refused() {
        for bad in ["", "unknown", "203.0.113", "1.2.3.4:80", "[::1]", "::g"] {
            assert_eq!(network(bad), Err(AddressError), "{bad}");
        }
    }
}

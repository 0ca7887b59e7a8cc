//! The browser shell: finds a site's phone numbers in the page and writes the
//! visitor's tracking number in the same written form.
//!
//! [`scan`] is pure (text in, matches out) and tested natively; `dom` (wasm
//! only) is the one module that touches the page.
#![deny(unsafe_code)]

#[cfg(target_arch = "wasm32")]
pub mod dom;
pub mod scan;

use pool_core::number::{PhoneNumber, Region};

/// Swaps every written form of `from` in `text` for `to`, in the same form.
pub fn swap_text(text: &str, region: Option<Region>, from: PhoneNumber, to: PhoneNumber) -> String {
    scan::swap(text, region, &[(from, to)])
}

#[cfg(target_arch = "wasm32")]
mod bindings {
    use wasm_bindgen::prelude::*;

    /// `swap("Call 8 (495) 123-45-67", "RU", "+74951234567", "+74997654321")`
    /// gives `"Call 8 (499) 765-43-21"`; the text unchanged when a number does not parse.
    #[wasm_bindgen]
    pub fn swap(text: &str, region: &str, from: &str, to: &str) -> String {
        match (from.parse(), to.parse()) {
            (Ok(f), Ok(t)) => super::swap_text(text, region.parse().ok(), f, t),
            _ => text.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_in_place() {
        let from = "+74951234567".parse().unwrap();
        let to = "+74997654321".parse().unwrap();
        assert_eq!(
            swap_text("Звоните: 8 (495) 123-45-67!", Some(Region::RU), from, to),
            "Звоните: 8 (499) 765-43-21!"
        );
    }
}

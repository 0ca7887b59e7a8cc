//! The browser shell: finds a site's phone numbers in the page and writes the
//! visitor's tracking number in the same written form.
//!
//! This first cut exports the pure rewrite of one written number; the page
//! scanner, the DOM walk and the lease client come with their own issues.
#![deny(unsafe_code)]

use pool_core::number::{parse_written, render, PhoneNumber, Region};

/// Rewrites one written number (`8 (495) 123-45-67`) as `tracking` in the same
/// form, or `None` when `written` is not a number of `region` or `tracking`
/// is not an E.164 number.
pub fn rewrite_one(written: &str, region: Option<Region>, tracking: &str) -> Option<String> {
    let w = parse_written(written, region).ok()?;
    let t = PhoneNumber::parse(tracking, None).ok()?;
    Some(render(&t, &w.template))
}

#[cfg(target_arch = "wasm32")]
mod bindings {
    use wasm_bindgen::prelude::*;

    /// `rewrite("8 (495) 123-45-67", "RU", "+74997654321")` → `"8 (499) 765-43-21"`,
    /// or `undefined` when either number does not parse.
    #[wasm_bindgen]
    pub fn rewrite(written: &str, region: &str, tracking: &str) -> Option<String> {
        super::rewrite_one(written, region.parse().ok(), tracking)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_in_place() {
        assert_eq!(
            rewrite_one("8 (495) 123-45-67", Some(Region::RU), "+74997654321").as_deref(),
            Some("8 (499) 765-43-21")
        );
        assert_eq!(
            rewrite_one("not a number", Some(Region::RU), "+74997654321"),
            None
        );
        assert_eq!(
            rewrite_one("8 (495) 123-45-67", Some(Region::RU), "bad"),
            None
        );
    }
}

//! The browser shell: finds a site's phone numbers in the page and writes the
//! visitor's tracking number in the same written form.
//!
//! [`scan`] is pure (text in, matches out) and tested natively; `dom` (wasm
//! only) is the one module that touches the page.
//!
//! Without its default feature `dom`, it is the scanner alone: the edge
//! worker writes numbers into HTML as it streams with the same rules.
//!
//! The page build (`--features page`, what `npm run build` ships) has no
//! `std`: a small allocator ([talc]) and a panic handler that traps without
//! formatting a message keep `core::fmt` and the panic strings out of the
//! module. Every other build (tests, the native command) links `std`.
#![no_std]
#![deny(unsafe_code)]

extern crate alloc;
#[cfg(not(all(feature = "page", target_arch = "wasm32")))]
extern crate std;

use alloc::string::String;

#[cfg(all(feature = "page", target_arch = "wasm32"))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// A panic is a bug; in the page it traps (the JS side catches the error and
/// shows the original numbers) without formatting anything.
#[cfg(all(feature = "page", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(all(target_arch = "wasm32", feature = "dom"))]
pub mod dom;
pub mod scan;
pub mod split;

use pool_core::number::{PhoneNumber, Region};

/// Swaps every written form of `from` in `text` for `to`, in the same form.
pub fn swap_text(text: &str, region: Option<Region>, from: PhoneNumber, to: PhoneNumber) -> String {
    scan::swap(text, region, &[(from, to)])
}

#[cfg(all(target_arch = "wasm32", feature = "dom"))]
mod bindings {
    use wasm_bindgen::prelude::*;

    /// Registers a region's numbering line (the site's settings carry it;
    /// index.js checks its shape first).
    #[wasm_bindgen(js_name = addNumbering)]
    pub fn add_numbering(line: &str) {
        pool_core::numbering::load_checked(line);
    }

    /// `swap("Call 8 (495) 123-45-67", "RU", "+74951234567", "+74997654321")`
    /// gives `"Call 8 (499) 765-43-21"`; the text unchanged when a number does not parse.
    /// Not in the page build: the page swaps through `SwapHandle`.
    #[cfg(not(feature = "page"))]
    #[wasm_bindgen]
    pub fn swap(text: &str, region: &str, from: &str, to: &str) -> alloc::string::String {
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

//! A site's spec as an admin sends it (`PUT /v1/sites/{site}`): any JSON
//! reads to a spec or an error, and any spec validates to a config or to
//! field errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pool_core::site::Spec;

fuzz_target!(|data: &[u8]| {
    if let Ok(spec) = serde_json::from_slice::<Spec>(data) {
        if let Ok(config) = spec.validate() {
            // What is valid stays valid written out and read back.
            let again: Spec =
                serde_json::from_str(&serde_json::to_string(&config.to_spec()).unwrap()).unwrap();
            assert!(again.validate().is_ok());
        }
    }
});

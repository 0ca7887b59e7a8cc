//! A visit as the page reports it (landing URL, referrer): any pair
//! classifies to a channel, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pool_core::channel::classify;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let landing = parts.next().unwrap_or("");
    let referrer = parts.next();
    let hosts: Vec<&str> = parts
        .next()
        .map(|h| h.split(',').collect())
        .unwrap_or_default();
    let v = classify(landing, referrer, &hosts);
    assert!(!v.channel.as_str().is_empty());
});

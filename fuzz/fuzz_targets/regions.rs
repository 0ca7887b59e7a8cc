// The regions a target reads numbers of: the market's own, and others with
// other written forms. The first byte of the input picks one (or none).
pub fn pick(b: u8) -> Option<pool_core::number::Region> {
    const CODES: [&str; 9] = ["RU", "UA", "KZ", "US", "GB", "FR", "DE", "IN", "BR"];
    CODES
        .get(usize::from(b) % (CODES.len() + 1))
        .and_then(|c| c.parse().ok())
}

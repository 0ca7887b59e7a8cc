//! Time zones, from the runtime's `Intl` (the core takes UTC offsets as
//! plain numbers: it has no time-zone data of its own).

/// The UTC offset of an IANA time zone at `at_ms`, from the runtime's Intl.
pub fn utc_offset_ms(tz: &str, at_ms: i64) -> i64 {
    use js_sys::{Array, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;
    let options = Object::new();
    let set = |k: &str, v: &str| {
        let _ = Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
    };
    set("timeZone", tz);
    set("hourCycle", "h23");
    for k in ["year", "month", "day", "hour", "minute", "second"] {
        set(k, "numeric");
    }
    let locales = Array::of1(&JsValue::from_str("en-US"));
    let fmt = Intl::DateTimeFormat::new(&locales, &options);
    let date = js_sys::Date::new(&JsValue::from_f64(at_ms as f64));
    let parts = fmt.format_to_parts(&date);
    let mut v = [0i64; 6];
    for p in parts.iter() {
        let kind = Reflect::get(&p, &JsValue::from_str("type"))
            .ok()
            .and_then(|x| x.as_string())
            .unwrap_or_default();
        let value = Reflect::get(&p, &JsValue::from_str("value"))
            .ok()
            .and_then(|x| x.as_string())
            .and_then(|x| x.parse::<i64>().ok())
            .unwrap_or(0);
        let i = match kind.as_str() {
            "year" => 0,
            "month" => 1,
            "day" => 2,
            "hour" => 3,
            "minute" => 4,
            "second" => 5,
            _ => continue,
        };
        v[i] = value;
    }
    if v[0] == 0 {
        return 0; // an unknown zone: UTC
    }
    let local = js_sys::Date::utc(v[0] as f64, (v[1] - 1) as f64);
    let local =
        local + ((v[2] - 1) * 86_400_000 + v[3] * 3_600_000 + v[4] * 60_000 + v[5] * 1000) as f64;
    local as i64 - at_ms.div_euclid(1000) * 1000
}

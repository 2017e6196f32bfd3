//! Token times for people: a UTC date and "in 14 min" / "3 h ago".
//!
//! The clock is always passed in (the page gives `Date.now()`), so the
//! wording is testable and the core keeps doing no I/O.

use crate::json_tree::{Tree, Value};
use serde::Serialize;

/// One NumericDate claim (`exp`, `nbf`, `iat`) as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeNote {
    pub claim: &'static str,
    /// Whole seconds since the epoch, as the claim says (fractions dropped).
    pub seconds: u64,
    /// `2023-11-14T22:13:20Z`.
    pub utc: String,
    /// `in 14 min`, `3 h ago`, `now`.
    pub relative: String,
    /// A sentence: `expired 3 h ago`, `expires in 14 min`, ...
    pub summary: String,
    /// Whether the claim, read alone at `now` without leeway, is fine.
    pub ok: bool,
}

/// Notes for the time claims present and readable as numbers. Claims that
/// are not valid times are left to the decoder's own checks.
pub fn notes(claims: &Tree, now: u64) -> Vec<TimeNote> {
    ["exp", "nbf", "iat"]
        .into_iter()
        .filter_map(|claim| {
            let seconds = seconds(claims.get(claim)?)?;
            Some(note(claim, seconds, now))
        })
        .collect()
}

fn note(claim: &'static str, t: u64, now: u64) -> TimeNote {
    let rel = relative(t, now);
    let (summary, ok) = match claim {
        "exp" if t <= now => (format!("expired {rel}"), false),
        "exp" => (format!("expires {rel}"), true),
        "nbf" if t > now => (format!("not valid yet (valid {rel})"), false),
        "nbf" => (format!("valid since {rel}"), true),
        _ if t > now => (format!("issued in the future ({rel})"), false),
        _ => (format!("issued {rel}"), true),
    };
    TimeNote {
        claim,
        seconds: t,
        utc: utc(t),
        relative: rel,
        summary,
        ok,
    }
}

/// 9999-12-31T23:59:59Z, the latest time the decoder accepts.
const LATEST: u64 = 253_402_300_799;

fn seconds(v: Value<'_>) -> Option<u64> {
    let Value::Number(n) = v else {
        return None;
    };
    let s = match (n.as_u64(), n.as_f64()) {
        (Some(whole), _) => whole,
        (None, f) if f.is_finite() && (0.0..=LATEST as f64).contains(&f) => f as u64,
        _ => return None,
    };
    (s <= LATEST).then_some(s)
}

/// `in 14 min` or `14 min ago`, rounded to the unit people use at that
/// distance.
pub fn relative(t: u64, now: u64) -> String {
    let (d, future) = if t >= now {
        (t - now, true)
    } else {
        (now - t, false)
    };
    if d == 0 {
        return "now".into();
    }
    let amount = span(d);
    if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

fn span(d: u64) -> String {
    const MIN: u64 = 60;
    const HOUR: u64 = 60 * MIN;
    const DAY: u64 = 24 * HOUR;
    let round = |unit: u64| (d + unit / 2) / unit;
    match d {
        d if d < 90 => format!("{d} s"),
        d if d < 90 * MIN => format!("{} min", round(MIN)),
        d if d < 48 * HOUR => format!("{} h", round(HOUR)),
        d if d < 730 * DAY => format!("{} days", round(DAY)),
        _ => format!("{} years", d / (365 * DAY + DAY / 4)),
    }
}

/// RFC 3339 UTC, from the days-since-epoch to civil-date conversion of the
/// proleptic Gregorian calendar (400-year eras of 146097 days).
pub fn utc(t: u64) -> String {
    let days = t / 86_400;
    let secs = t % 86_400;
    let (y, m, d) = civil(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn civil(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so that leap days end a year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_tree::tree;
    use serde_json::json;

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(NOW), "2023-11-14T22:13:20Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_586_355_576), "2020-04-08T14:19:36Z");
        assert_eq!(utc(LATEST), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn relative_wording() {
        assert_eq!(relative(NOW, NOW), "now");
        assert_eq!(relative(NOW + 5, NOW), "in 5 s");
        assert_eq!(relative(NOW + 14 * 60, NOW), "in 14 min");
        assert_eq!(relative(NOW - 3 * 3600, NOW), "3 h ago");
        assert_eq!(relative(NOW - 3 * 3600 - 1000, NOW), "3 h ago");
        assert_eq!(relative(NOW + 10 * 86_400, NOW), "in 10 days");
        assert_eq!(relative(0, NOW), "53 years ago");
    }

    #[test]
    fn summaries() {
        let claims =
            json!({"exp": NOW - 3 * 3600, "iat": NOW - 4 * 3600, "nbf": NOW as f64 + 60.5});
        let n = notes(&tree(claims), NOW);
        let s: Vec<(&str, &str, bool)> = n
            .iter()
            .map(|n| (n.claim, n.summary.as_str(), n.ok))
            .collect();
        assert_eq!(
            s,
            [
                ("exp", "expired 3 h ago", false),
                ("nbf", "not valid yet (valid in 60 s)", false),
                ("iat", "issued 4 h ago", true),
            ]
        );
        let fresh = json!({"exp": NOW + 14 * 60, "iat": NOW + 600});
        let n = notes(&tree(fresh), NOW);
        assert_eq!(n[0].summary, "expires in 14 min");
        assert_eq!(n[1].summary, "issued in the future (in 10 min)");
    }

    #[test]
    fn unreadable_times_are_left_out() {
        let claims = json!({"exp": "soon", "nbf": -1, "iat": 1e300});
        assert!(notes(&tree(claims), NOW).is_empty());
    }
}

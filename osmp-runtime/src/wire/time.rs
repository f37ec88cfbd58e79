//! Date-times and time spans as the reference writes and reads them.
//!
//! The reference is a .NET program: it writes date-times as ISO 8601 with seven fractional
//! digits and the local offset (`2017-09-05T09:35:36.2418162+02:00`) and, for
//! `DateTime.MinValue`, without an offset (`0001-01-01T00:00:00`). Time spans are written as
//! `[-][d.]hh:mm:ss[.fffffff]`. [`Timestamp`] and [`parse_timeout`] read all of these.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Local, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, written in the reference's format.
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use osmp::wire::Timestamp;
///
/// let t: Timestamp = "2017-09-05T09:35:36.2418162+02:00".parse().unwrap();
/// assert_eq!(t.to_string(), "2017-09-05T09:35:36.2418162+02:00");
/// let min: Timestamp = "0001-01-01T00:00:00".parse().unwrap();
/// assert_eq!(min.to_string(), "0001-01-01T00:00:00.0000000+00:00");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<FixedOffset>);

impl Timestamp {
    /// The current time in the machine's local offset (what the reference reports).
    pub fn now() -> Timestamp {
        let now = Local::now();
        Timestamp(now.with_timezone(now.offset()))
    }

    /// The wrapped date-time.
    pub fn date_time(&self) -> DateTime<FixedOffset> {
        self.0
    }
}

impl From<DateTime<FixedOffset>> for Timestamp {
    fn from(value: DateTime<FixedOffset>) -> Timestamp {
        Timestamp(value)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Timestamp {
        Timestamp(value.fixed_offset())
    }
}

impl From<DateTime<Local>> for Timestamp {
    fn from(value: DateTime<Local>) -> Timestamp {
        Timestamp(value.fixed_offset())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Seven fractional digits: .NET's tick is 100 ns.
        let ticks = self.0.timestamp_subsec_nanos().min(999_999_999) / 100;
        write!(f, "{}.{ticks:07}{}", self.0.format("%Y-%m-%dT%H:%M:%S"), self.0.format("%:z"))
    }
}

/// A text that is not a date-time.
#[derive(Debug, Clone, thiserror::Error)]
#[error("'{0}' is not an ISO 8601 date-time")]
pub struct InvalidTimestamp(String);

impl std::str::FromStr for Timestamp {
    type Err = InvalidTimestamp;

    fn from_str(text: &str) -> Result<Timestamp, InvalidTimestamp> {
        let text = text.trim();
        if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
            return Ok(Timestamp(with_offset));
        }
        // .NET writes `DateTimeKind.Unspecified` values without an offset; read them as UTC.
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .map(|naive| Timestamp(Utc.from_utc_datetime(&naive).fixed_offset()))
            .map_err(|_| InvalidTimestamp(text.to_owned()))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DateTime".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "format": "date-time"})
    }
}

/// How long something (an event subscription) should last, as a peer may write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// A time span from now.
    After(Duration),
    /// An absolute point in time (the reference's client sends a `DateTime`).
    Until(Timestamp),
}

impl Timeout {
    /// The instant the timeout ends, seen from `now`.
    pub fn deadline(self, now: Timestamp) -> Timestamp {
        match self {
            Timeout::After(span) => {
                let span = chrono::Duration::from_std(span).unwrap_or(chrono::Duration::MAX);
                Timestamp(now.0.checked_add_signed(span).unwrap_or(DateTime::<Utc>::MAX_UTC.fixed_offset()))
            }
            Timeout::Until(at) => at,
        }
    }
}

/// A timeout value that is none of the accepted forms.
#[derive(Debug, Clone, thiserror::Error)]
#[error("'{0}' is not a time span (seconds, [d.]hh:mm:ss[.fffffff] or ISO 8601 PnDTnHnMnS) nor a date-time")]
pub struct InvalidTimeout(pub String);

/// Reads a timeout: a number of seconds, a .NET time span (`1.02:03:04.5`), an ISO 8601
/// duration (`PT5M`) or a date-time (the reference client's `DateTime? timeout`).
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use std::time::Duration;
/// use osmp::wire::{parse_timeout, Timeout};
/// use serde_json::json;
///
/// assert_eq!(parse_timeout(&json!(90)).unwrap(), Timeout::After(Duration::from_secs(90)));
/// assert_eq!(parse_timeout(&json!("00:01:30")).unwrap(), Timeout::After(Duration::from_secs(90)));
/// assert_eq!(parse_timeout(&json!("PT1M30S")).unwrap(), Timeout::After(Duration::from_secs(90)));
/// assert!(matches!(parse_timeout(&json!("2030-01-01T00:00:00Z")).unwrap(), Timeout::Until(_)));
/// ```
pub fn parse_timeout(value: &serde_json::Value) -> Result<Timeout, InvalidTimeout> {
    let invalid = || InvalidTimeout(value.to_string());
    match value {
        serde_json::Value::Number(number) => {
            let seconds = number.as_f64().ok_or_else(invalid)?;
            Duration::try_from_secs_f64(seconds).map(Timeout::After).map_err(|_| invalid())
        }
        serde_json::Value::String(text) => {
            let text = text.trim();
            if let Some(span) = parse_dotnet_timespan(text).or_else(|| parse_iso_duration(text)) {
                return Ok(Timeout::After(span));
            }
            if let Ok(seconds) = text.parse::<f64>() {
                return Duration::try_from_secs_f64(seconds).map(Timeout::After).map_err(|_| invalid());
            }
            text.parse::<Timestamp>().map(Timeout::Until).map_err(|_| invalid())
        }
        _ => Err(invalid()),
    }
}

/// Writes a time span as .NET does (`[d.]hh:mm:ss[.fffffff]`), the form a reference server
/// reads for `event-subscribe`'s `timeout`.
///
/// ```
/// # extern crate osmp_runtime as osmp;
/// use std::time::Duration;
/// use osmp::wire::format_timespan;
///
/// assert_eq!(format_timespan(Duration::from_secs(90)), "00:01:30");
/// assert_eq!(format_timespan(Duration::from_millis(93_784_500)), "1.02:03:04.5000000");
/// ```
pub fn format_timespan(span: Duration) -> String {
    let seconds = span.as_secs();
    let (days, hours, minutes, secs) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60, seconds % 60);
    let mut text = if days > 0 { format!("{days}.") } else { String::new() };
    text.push_str(&format!("{hours:02}:{minutes:02}:{secs:02}"));
    let ticks = span.subsec_nanos() / 100;
    if ticks > 0 {
        text.push_str(&format!(".{ticks:07}"));
    }
    text
}

/// `[d.]hh:mm:ss[.fffffff]` (negative spans are not timeouts and are rejected).
fn parse_dotnet_timespan(text: &str) -> Option<Duration> {
    let (days, clock) = match text.split_once('.') {
        Some((days, rest)) if rest.contains(':') && !days.contains(':') => (days.parse::<u64>().ok()?, rest),
        _ => (0, text),
    };
    let mut parts = clock.splitn(3, ':');
    let hours: u64 = parts.next()?.parse().ok()?;
    let minutes: u64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.parse().ok()?;
    if minutes >= 60 || !(0.0..60.0).contains(&seconds) {
        return None;
    }
    let whole = days.checked_mul(86_400)?.checked_add(hours.checked_mul(3_600)?)?.checked_add(minutes * 60)?;
    Duration::from_secs(whole).checked_add(Duration::try_from_secs_f64(seconds).ok()?)
}

/// ISO 8601 durations without years or months, whose length depends on the calendar.
fn parse_iso_duration(text: &str) -> Option<Duration> {
    let rest = text.strip_prefix('P').or_else(|| text.strip_prefix('p'))?;
    let mut total = 0f64;
    let mut in_time = false;
    let mut number = String::new();
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' => number.push(c),
            unit => {
                let value: f64 = number.parse().ok()?;
                number.clear();
                total += value
                    * match (unit, in_time) {
                        ('W', false) => 604_800.0,
                        ('D', false) => 86_400.0,
                        ('H', true) => 3_600.0,
                        ('M', true) => 60.0,
                        ('S', true) => 1.0,
                        _ => return None,
                    };
            }
        }
    }
    if !number.is_empty() || rest.is_empty() {
        return None;
    }
    Duration::try_from_secs_f64(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_like_dotnet() {
        let t: Timestamp = "2017-08-29T12:51:40.5301082+02:00".parse().unwrap();
        assert_eq!(t.to_string(), "2017-08-29T12:51:40.5301082+02:00");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2017-08-29T12:51:40.5301082+02:00\"");
        let z: Timestamp = "2017-08-29T10:51:40Z".parse().unwrap();
        assert_eq!(z.to_string(), "2017-08-29T10:51:40.0000000+00:00");
        assert!("yesterday".parse::<Timestamp>().is_err());
    }

    #[test]
    fn reads_every_timeout_form() {
        let after = |s| Timeout::After(Duration::from_secs_f64(s));
        assert_eq!(parse_timeout(&json!(1.5)).unwrap(), after(1.5));
        assert_eq!(parse_timeout(&json!("2.5")).unwrap(), after(2.5));
        assert_eq!(parse_timeout(&json!("1.02:03:04.5")).unwrap(), after(93_784.5));
        assert_eq!(parse_timeout(&json!("00:00:10")).unwrap(), after(10.0));
        assert_eq!(parse_timeout(&json!("P1DT1H")).unwrap(), after(90_000.0));
        assert_eq!(parse_timeout(&json!("PT0.5S")).unwrap(), after(0.5));
        for bad in [json!(-1), json!("soon"), json!("00:61:00"), json!("P1Y"), json!("P"), json!(true), json!(null)] {
            assert!(parse_timeout(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deadlines_saturate() {
        let now = Timestamp::now();
        let far = Timeout::After(Duration::from_secs(u64::MAX)).deadline(now);
        assert!(far > now);
    }
}

//! The `date` header: RFC 1123 in GMT, as Java's `EEE, dd MMM yyyy HH:mm:ss zzz` in English
//! writes it (`Thu, 24 Jul 2014 15:40:03 GMT`).

use chrono::{DateTime, TimeZone, Utc};

/// `Thu, 24 Jul 2014 15:40:03 GMT`.
pub fn format_date(date: &DateTime<Utc>) -> String {
    date.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Reads an RFC 1123 date; other zones than `GMT` (`UTC`, `+0200`, …) are converted, and
/// the day of the week is not checked against the date (Java does not check it either).
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date.with_timezone(&Utc));
    }
    // RFC 2822 knows `GMT` and `UT` but not `UTC`; some writers use it.
    let without_zone = text.strip_suffix("UTC").or_else(|| text.strip_suffix("GMT"))?.trim_end();
    let naive = chrono::NaiveDateTime::parse_from_str(without_zone, "%a, %d %b %Y %H:%M:%S").ok()?;
    Some(Utc.from_utc_datetime(&naive))
}

/// Now, to the second (what the header can carry).
pub fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(Utc::now().timestamp(), 0).single().unwrap_or_else(Utc::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_originals_date() {
        let date = parse_date("Thu, 24 Jul 2014 15:40:03 GMT").unwrap();
        assert_eq!(date, Utc.with_ymd_and_hms(2014, 7, 24, 15, 40, 3).unwrap());
        assert_eq!(format_date(&date), "Thu, 24 Jul 2014 15:40:03 GMT");
    }

    #[test]
    fn days_below_ten_have_two_digits() {
        let date = Utc.with_ymd_and_hms(2024, 3, 5, 7, 8, 9).unwrap();
        assert_eq!(format_date(&date), "Tue, 05 Mar 2024 07:08:09 GMT");
        assert_eq!(parse_date("Tue, 05 Mar 2024 07:08:09 GMT"), Some(date));
    }

    #[test]
    fn other_zones_are_converted() {
        let date = Utc.with_ymd_and_hms(2014, 7, 24, 15, 40, 3).unwrap();
        assert_eq!(parse_date("Thu, 24 Jul 2014 17:40:03 +0200"), Some(date));
        assert_eq!(parse_date("Thu, 24 Jul 2014 15:40:03 UTC"), Some(date));
        assert_eq!(parse_date(" Thu, 24 Jul 2014 15:40:03 GMT "), Some(date));
    }

    #[test]
    fn not_dates() {
        for text in ["", "yesterday", "2014-07-24T15:40:03Z", "Thu, 32 Jul 2014 15:40:03 GMT", "Thu, 24 Jul 2014"] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn now_has_no_fraction() {
        assert_eq!(now().timestamp_subsec_nanos(), 0);
    }
}

//! Field parsers shared by the request bodies of several resources: each checks one field into
//! a domain type and records what is wrong under the field's name.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};

use crate::{
    domain::{BoundedText, Slug, WebUrl},
    errors::ApiError,
    errors::Validator,
};

/// A field checked by `parse` (into a domain type) and kept as its text, if given: `None`
/// when absent, or when invalid (the error recorded under `field`).
pub fn checked<T: Into<String>>(
    v: &mut Validator,
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<String> {
    value.and_then(|s| v.check(field, parse(s))).map(Into::into)
}

/// Optional text: empty means none.
pub fn optional_text<const MAX: usize>(
    v: &mut Validator,
    field: &str,
    value: Option<&str>,
) -> Option<String> {
    value
        .and_then(|t| v.check(field, BoundedText::<0, MAX>::parse(t)))
        .map(BoundedText::into_inner)
        .filter(|t| !t.is_empty())
}

pub fn optional_url(v: &mut Validator, field: &str, value: Option<&str>) -> Option<String> {
    value
        .and_then(|u| v.check(field, WebUrl::parse(u)))
        .map(WebUrl::into_inner)
}

/// The given slug, or one made from `name` (a title or name) when none was given; a 400 on
/// `slug` with `when_unmade` when `name` has no letters or digits to make one from.
pub fn slug_or_made_from(
    slug: Option<Slug>,
    name: &str,
    when_unmade: &str,
) -> Result<Slug, ApiError> {
    match slug {
        Some(s) => Ok(s),
        None => Slug::from_title(name).ok_or_else(|| ApiError::field("slug", when_unmade)),
    }
}

/// A time parameter or field: `2026-11-24T09:30:00Z` or `2026-11-24` (midnight UTC), written
/// in the years 1900 to 9999 (the year as written, before any offset: what the document's
/// `pattern: "^(19[0-9]{2}|[2-9][0-9]{3})-"` says next to `format: date-time`).
pub fn published_time(s: &str) -> Result<DateTime<Utc>, String> {
    let (t, year) = DateTime::parse_from_rfc3339(s)
        .map(|t| (t.with_timezone(&Utc), t.year()))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| (t.and_utc(), t.year()))
        })
        .ok_or_else(|| {
            "must be an RFC 3339 time such as 2026-11-24T09:30:00Z, or a date such as 2026-11-24"
                .to_owned()
        })?;
    if !(1900..=9999).contains(&year) {
        return Err("must be in the years 1900 to 9999".into());
    }
    Ok(t)
}

/// For PATCH fields that may be set to null: absent → `None`, null → `Some(None)`.
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

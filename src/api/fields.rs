//! Field parsers shared by the request bodies of several resources: each checks one field into
//! a domain type and records what is wrong under the field's name.

use serde::{Deserialize, Deserializer};

use crate::{
    domain::{BoundedText, WebUrl},
    errors::Validator,
};

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

/// For PATCH fields that may be set to null: absent → `None`, null → `Some(None)`.
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

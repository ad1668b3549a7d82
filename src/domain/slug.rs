//! URL slugs: lowercase a-z, 0-9 and single hyphens, 1..=120 characters.

use std::fmt;

pub const MAX_SLUG_LEN: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

/// What the OpenAPI document says of a slug (checked by [`Slug::parse`]).
pub const SLUG_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

impl utoipa::ToSchema for Slug {}

impl utoipa::PartialSchema for Slug {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(MAX_SLUG_LEN))
            .pattern(Some(SLUG_PATTERN))
            .into()
    }
}

impl Slug {
    /// Accepts a slug exactly as given; no rewriting.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err("must have at least one character".into());
        }
        if s.len() > MAX_SLUG_LEN {
            return Err(format!("must be at most {MAX_SLUG_LEN} characters"));
        }
        let valid_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_chars || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err("must be lowercase letters a-z, digits and single hyphens, not starting or ending with a hyphen".into());
        }
        Ok(Self(s.to_owned()))
    }

    /// A tag's identity, made from its name: an error when the name has no letters or
    /// digits (or makes a slug over 60 characters).
    pub fn for_tag(name: &str) -> Result<Self, String> {
        Self::from_title(name)
            .filter(|s| s.as_str().len() <= 60)
            .ok_or_else(|| "must contain letters or digits".into())
    }

    /// Makes a slug from a title ("John Gibbon's pump" → `john-gibbon-s-pump`), transliterating
    /// accented letters. `None` when the title has no letters or digits at all.
    pub fn from_title(title: &str) -> Option<Self> {
        let mut s = slug::slugify(title);
        if s.len() > MAX_SLUG_LEN {
            s.truncate(MAX_SLUG_LEN);
            while s.ends_with('-') {
                s.pop();
            }
        }
        Self::parse(&s).ok()
    }

    /// This slug with a numeric suffix (`-2`, `-3`…), kept within the length limit.
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("-{n}");
        let mut base = self.0.clone();
        base.truncate(MAX_SLUG_LEN - suffix.len());
        while base.ends_with('-') {
            base.pop();
        }
        Self(base + &suffix)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> Self {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn titles_become_readable_slugs() {
        assert_eq!(
            Slug::from_title("John Gibbon's perfusion pump keeps animals alive")
                .unwrap()
                .as_str(),
            "john-gibbon-s-perfusion-pump-keeps-animals-alive"
        );
        assert_eq!(
            Slug::from_title("Waldemar von Schröder").unwrap().as_str(),
            "waldemar-von-schroder"
        );
        assert!(Slug::from_title("!!! ???").is_none());
    }

    #[test]
    fn bad_slugs_are_refused() {
        for bad in [
            "",
            "Upper",
            "a--b",
            "-a",
            "a-",
            "a b",
            "é",
            &"a".repeat(121),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Slug::parse("a-1-b").is_ok());
    }

    #[test]
    fn suffixes_keep_the_length_limit() {
        let long = Slug::parse(&"a".repeat(120)).unwrap();
        let s = long.with_suffix(12);
        assert!(s.as_str().len() <= 120 && s.as_str().ends_with("-12"));
        assert!(Slug::parse(s.as_str()).is_ok());
    }

    proptest! {
        #[test]
        fn any_title_gives_a_valid_slug_or_none(title in "\\PC{0,300}") {
            if let Some(s) = Slug::from_title(&title) {
                prop_assert!(Slug::parse(s.as_str()).is_ok());
            }
        }
    }
}

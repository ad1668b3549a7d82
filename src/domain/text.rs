//! Text with length limits, counted in characters, and passwords.

use std::fmt;

use utoipa::openapi::{schema::Type, ObjectBuilder, RefOr, Schema};

/// What the OpenAPI document says of text with at least one visible character: no control
/// characters but newlines and tabs, no U+FFFE/U+FFFF, not only white space. Checked by
/// [`BoundedText::parse`]; stated here once for every field.
pub const SOME_TEXT_PATTERN: &str = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F\\uFFFE\\uFFFF]*[^\\s\\x00-\\x1F\\x7F-\\x9F\\uFFFE\\uFFFF][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F\\uFFFE\\uFFFF]*$";

/// The same for text that may be empty.
pub const ANY_TEXT_PATTERN: &str =
    "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F\\uFFFE\\uFFFF]*$";

/// Text of at most `MAX` characters as sent, with no control characters other than newlines
/// and tabs anywhere, stored trimmed, and at least `MIN` characters once trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedText<const MIN: usize, const MAX: usize>(String);

impl<const MIN: usize, const MAX: usize> BoundedText<MIN, MAX> {
    // The length limit and the forbidden characters are checked on the text as sent, as the
    // document's `maxLength` and `pattern` state them: trimming first took a vertical tab at
    // the end, or a title of MAX characters with spaces around it (schemathesis found both).
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.chars().count() > MAX {
            return Err(format!("must be at most {MAX} characters"));
        }
        if s.chars().any(forbidden_char) {
            return Err("must not contain control characters or non-characters".into());
        }
        let s = s.trim();
        if s.chars().count() < MIN {
            return Err(if MIN == 1 {
                "must have a character other than white space".into()
            } else {
                format!("must be at least {MIN} characters")
            });
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<const MIN: usize, const MAX: usize> From<BoundedText<MIN, MAX>> for String {
    fn from(t: BoundedText<MIN, MAX>) -> Self {
        t.0
    }
}

/// The field's schema in the OpenAPI document: its lengths and pattern, from the type.
impl<const MIN: usize, const MAX: usize> utoipa::ToSchema for BoundedText<MIN, MAX> {}

impl<const MIN: usize, const MAX: usize> utoipa::PartialSchema for BoundedText<MIN, MAX> {
    fn schema() -> RefOr<Schema> {
        let pattern = if MIN == 0 {
            ANY_TEXT_PATTERN
        } else {
            SOME_TEXT_PATTERN
        };
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length((MIN > 0).then_some(MIN))
            .max_length(Some(MAX))
            .pattern(Some(pattern))
            .into()
    }
}

/// Characters no text field takes: controls other than newlines and tabs, and U+FFFE and
/// U+FFFF, which XML (and so every feed) forbids.
pub fn forbidden_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t' && c != '\r') || c == '\u{FFFE}' || c == '\u{FFFF}'
}

/// A new password: 12..=256 characters. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 12;

    pub fn parse(s: &str) -> Result<Self, String> {
        let len = s.chars().count();
        if len < Self::MIN_LEN {
            return Err(format!("must be at least {} characters", Self::MIN_LEN));
        }
        if len > 256 {
            return Err("must be at most 256 characters".into());
        }
        Ok(Self(s.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        type Title = BoundedText<1, 5>;
        assert_eq!(
            Title::parse(" héllo").unwrap_err(),
            "must be at most 5 characters"
        );
        assert_eq!(Title::parse(" hé ").unwrap().as_str(), "hé");
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse("toolong").is_err());
        assert!(Title::parse("a\u{7}b").is_err());
        assert!(Title::parse("a\u{FFFF}").is_err());
    }

    #[test]
    fn limits_and_forbidden_characters_apply_to_the_text_as_sent() {
        type Title = BoundedText<1, 5>;
        assert!(
            Title::parse("ab\u{B}").is_err(),
            "a vertical tab, even at the end"
        );
        assert!(
            Title::parse("\u{C}ab").is_err(),
            "a form feed, even at the start"
        );
        assert!(
            Title::parse("ab\u{85}").is_err(),
            "a C1 control, even at the end"
        );
        assert_eq!(Title::parse("ab\t\n").unwrap().as_str(), "ab");
    }

    #[test]
    fn passwords_need_twelve_characters_and_never_print() {
        assert!(Password::parse("short").is_err());
        let p = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}

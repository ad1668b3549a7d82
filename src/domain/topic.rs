//! The topics a member can subscribe to.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Topic {
    Research,
    Media,
    Careers,
    Leadership,
    Education,
}

impl Topic {
    pub const ALL: [Topic; 5] = [
        Topic::Research,
        Topic::Media,
        Topic::Careers,
        Topic::Leadership,
        Topic::Education,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Research => "research",
            Self::Media => "media",
            Self::Careers => "careers",
            Self::Leadership => "leadership",
            Self::Education => "education",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// A set of topics: sorted, without repeats; all of them when none are given; an empty
    /// list is refused (unsubscribe instead).
    pub fn set(given: Option<&[Topic]>) -> Result<Vec<Topic>, String> {
        match given {
            None => Ok(Self::ALL.to_vec()),
            Some([]) => {
                Err("must name at least one topic (to receive nothing, unsubscribe)".into())
            }
            Some(list) if list.len() > Self::ALL.len() => {
                Err(format!("must list at most {} topics", Self::ALL.len()))
            }
            Some(list) => {
                let mut v = list.to_vec();
                v.sort();
                v.dedup();
                Ok(v)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_sets_default_to_all_and_drop_repeats() {
        assert_eq!(Topic::set(None).unwrap().len(), 5);
        assert_eq!(
            Topic::set(Some(&[Topic::Media, Topic::Research, Topic::Media])).unwrap(),
            vec![Topic::Research, Topic::Media]
        );
        assert!(Topic::set(Some(&[])).is_err());
        assert!(Topic::set(Some(&[Topic::Media; 6])).is_err());
        assert_eq!(Topic::parse("careers"), Some(Topic::Careers));
        assert_eq!(Topic::parse("sports"), None);
    }
}

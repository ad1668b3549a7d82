//! A year of the timeline: from 1500 to the current year.

use chrono::{Datelike, Utc};

pub const FIRST_YEAR: i32 = 1500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Year(i32);

impl Year {
    pub fn parse(y: i64) -> Result<Self, String> {
        let this_year = i64::from(Utc::now().year());
        if (i64::from(FIRST_YEAR)..=this_year).contains(&y) {
            Ok(Self(y as i32))
        } else {
            Err(format!("must be a year from {FIRST_YEAR} to {this_year}"))
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_outside_1500_to_now_are_refused() {
        assert!(Year::parse(1499).is_err());
        assert!(Year::parse(i64::from(Utc::now().year()) + 1).is_err());
        assert!(Year::parse(-5).is_err());
        assert_eq!(Year::parse(1953).unwrap().get(), 1953);
    }
}

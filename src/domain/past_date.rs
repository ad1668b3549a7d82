//! The date a source gives for a figure: `YYYY-MM-DD`, from 1900-01-01 to today. A figure
//! cannot describe a day that has not come.

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastDate(NaiveDate);

impl PastDate {
    pub fn parse(s: &str, today: NaiveDate) -> Result<Self, String> {
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| "must be a date such as 2026-11-23".to_owned())?;
        if d.year() < 1900 {
            return Err("must be from 1900-01-01 to today".into());
        }
        if d > today {
            return Err("is in the future; a figure describes a day that has come".into());
        }
        Ok(Self(d))
    }

    pub fn get(self) -> NaiveDate {
        self.0
    }
}

/// The dates of a staffing figure: the day it describes (`as_of`, none when its source is
/// undated) and, for an undated one, the day it was taken from its source (`retrieved_at`). A
/// figure needs one or the other, or no one can say when it held.
pub fn check_figure_dates(
    as_of: Option<NaiveDate>,
    retrieved_at: Option<NaiveDate>,
) -> Result<(), String> {
    if as_of.is_none() && retrieved_at.is_none() {
        return Err(
            "must be given unless `retrieved_at` says when an undated figure was taken from its source"
                .into(),
        );
    }
    Ok(())
}

/// How to show a figure's date: the day it describes, or, for an undated figure, that it is
/// undated and when it was taken in.
pub fn figure_date_label(as_of: Option<NaiveDate>, retrieved_at: Option<NaiveDate>) -> String {
    match (as_of, retrieved_at) {
        (Some(d), _) => d.to_string(),
        (None, Some(r)) => format!("undated (retrieved {r})"),
        (None, None) => "undated".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_source_date_is_a_day_from_1900_to_today() {
        let today = day("2026-12-01");
        assert_eq!(
            PastDate::parse("2016-06-30", today).unwrap().get(),
            day("2016-06-30")
        );
        assert_eq!(PastDate::parse("2026-12-01", today).unwrap().get(), today);
        assert!(PastDate::parse("2026-12-02", today)
            .unwrap_err()
            .contains("future"));
        assert!(PastDate::parse("1899-12-31", today).is_err());
        assert!(PastDate::parse("2016-6-30x", today).is_err());
        assert!(PastDate::parse("30/06/2016", today).is_err());
    }

    #[test]
    fn a_figure_has_its_own_date_or_the_day_it_was_taken_in() {
        let d = Some(day("2016-06-30"));
        assert!(check_figure_dates(d, None).is_ok());
        assert!(check_figure_dates(None, d).is_ok());
        assert!(check_figure_dates(d, d).is_ok());
        assert!(check_figure_dates(None, None).is_err());
        assert_eq!(figure_date_label(d, None), "2016-06-30");
        assert_eq!(
            figure_date_label(None, Some(day("2026-11-23"))),
            "undated (retrieved 2026-11-23)"
        );
    }
}

//! The units of staffing metrics, and the values each allows.

use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Text};
use serde::Serialize;
use utoipa::ToSchema;

// Stored as text (`staffing_metrics.unit`); a value the database holds that is not a unit is a
// read error, never a silent default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum MetricUnit {
    /// A head count.
    People,
    /// A share, 0 to 100.
    Percent,
    /// A head count per year.
    PeoplePerYear,
    /// A count of positions.
    Positions,
}

text_column!(MetricUnit);

/// The largest count any metric takes (far above the world's perfusionists).
const MAX_COUNT: f64 = 10_000_000.0;

impl MetricUnit {
    /// Its name, as stored and as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::People => "people",
            Self::Percent => "percent",
            Self::PeoplePerYear => "people_per_year",
            Self::Positions => "positions",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "people" => Ok(Self::People),
            "percent" => Ok(Self::Percent),
            "people_per_year" => Ok(Self::PeoplePerYear),
            "positions" => Ok(Self::Positions),
            _ => Err(format!("`{s}` is not a unit")),
        }
    }

    /// The value, if this unit allows it: percent 0 to 100; counts whole and not negative.
    pub fn check(self, value: f64) -> Result<f64, String> {
        if !value.is_finite() {
            return Err("must be a finite number".into());
        }
        match self {
            Self::Percent if (0.0..=100.0).contains(&value) => Ok(value),
            Self::Percent => Err("must be a percentage from 0 to 100".into()),
            _ if value.fract() != 0.0 => {
                Err("must be a whole number (it counts people or positions)".into())
            }
            _ if !(0.0..=MAX_COUNT).contains(&value) => {
                Err(format!("must be from 0 to {MAX_COUNT}"))
            }
            _ => Ok(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_is_stored_under_the_name_it_is_read_back_from() {
        for unit in [
            MetricUnit::People,
            MetricUnit::Percent,
            MetricUnit::PeoplePerYear,
            MetricUnit::Positions,
        ] {
            assert_eq!(MetricUnit::parse(unit.as_str()), Ok(unit));
            assert_eq!(
                serde_json::to_value(unit).unwrap(),
                serde_json::json!(unit.as_str()),
                "the JSON name is the stored name"
            );
        }
        assert!(MetricUnit::parse("bogus").is_err());
    }

    #[test]
    fn values_are_checked_by_unit() {
        assert_eq!(MetricUnit::Percent.check(44.3), Ok(44.3));
        assert!(MetricUnit::Percent.check(100.1).is_err());
        assert!(MetricUnit::Percent.check(-1.0).is_err());
        assert_eq!(MetricUnit::People.check(4522.0), Ok(4522.0));
        assert!(MetricUnit::People.check(4522.5).is_err());
        assert!(MetricUnit::PeoplePerYear.check(-3.0).is_err());
        assert!(MetricUnit::Positions.check(f64::NAN).is_err());
        assert!(MetricUnit::parse("furlongs").is_err());
    }
}

//! The units of staffing metrics, and the values each allows.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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

/// The largest count any metric takes (far above the world's perfusionists).
const MAX_COUNT: f64 = 10_000_000.0;

impl MetricUnit {
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

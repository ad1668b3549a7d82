//! Where an accredited perfusion program stands with its accreditor.

use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a program stands with its accreditor.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum AccreditationStatus {
    Accredited,
    Candidacy,
    Probation,
}

impl AccreditationStatus {
    /// Its name, as stored and as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accredited => "accredited",
            Self::Candidacy => "candidacy",
            Self::Probation => "probation",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "accredited" => Ok(Self::Accredited),
            "candidacy" => Ok(Self::Candidacy),
            "probation" => Ok(Self::Probation),
            _ => Err("must be one of `accredited`, `candidacy`, `probation`".into()),
        }
    }
}

// Stored as text (`accredited_programs.accreditation_status`).
text_column!(AccreditationStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_stored_under_the_name_it_is_read_back_from() {
        for s in [
            AccreditationStatus::Accredited,
            AccreditationStatus::Candidacy,
            AccreditationStatus::Probation,
        ] {
            assert_eq!(AccreditationStatus::parse(s.as_str()), Ok(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        assert!(AccreditationStatus::parse("revoked").is_err());
    }
}

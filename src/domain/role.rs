//! Admin roles: `editor` writes content; `admin` also manages users and subscribers.

use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// Stored as text (`admin_users.role`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    AsExpression,
    FromSqlRow,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Editor,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "editor" => Ok(Self::Editor),
            "admin" => Ok(Self::Admin),
            _ => Err("must be `admin` or `editor`".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }
}

text_column!(Role);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_outranks_editor() {
        assert!(Role::Admin > Role::Editor);
        assert_eq!(Role::parse("admin"), Ok(Role::Admin));
        assert!(Role::parse("root").is_err());
    }
}

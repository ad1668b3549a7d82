//! A US state (or territory) code: two capital letters, such as `NE`.

/// What the OpenAPI document says of a state code (checked by [`UsState::parse`]).
pub const US_STATE_PATTERN: &str = "^[A-Z]{2}$";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsState(String);

impl UsState {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(s.to_owned()))
        } else {
            Err("must be a two-letter state code such as NE".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl utoipa::ToSchema for UsState {}

impl utoipa::PartialSchema for UsState {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(US_STATE_PATTERN))
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_code_is_two_capital_letters() {
        assert_eq!(UsState::parse("NE").unwrap().as_str(), "NE");
        for bad in ["ne", "N", "NEB", "N1", "", "ÑE"] {
            assert!(UsState::parse(bad).is_err(), "{bad}");
        }
    }
}

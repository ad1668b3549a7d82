//! Absolute http(s) URLs with a host, at most 2048 characters.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

/// What the OpenAPI document says of a URL (checked, more strictly, by [`WebUrl::parse`]).
pub const WEB_URL_PATTERN: &str = "^https?://[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[1-9][0-9]{0,3})?(/[^\\s]*)?$";

/// The longest URL taken.
pub const MAX_URL_LEN: usize = 2048;

impl utoipa::ToSchema for WebUrl {}

impl utoipa::PartialSchema for WebUrl {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(MAX_URL_LEN))
            .pattern(Some(WEB_URL_PATTERN))
            .into()
    }
}

impl WebUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.chars().count() > MAX_URL_LEN {
            return Err(format!("must be at most {MAX_URL_LEN} characters"));
        }
        let url =
            url::Url::parse(s).map_err(|_| "must be an absolute http or https URL".to_string())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err("must be an absolute http or https URL".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not contain credentials".into());
        }
        Ok(Self(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_pass() {
        assert!(WebUrl::parse("https://www.ncbi.nlm.nih.gov/pubmed/16978315").is_ok());
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "ftp://x.org/",
            "/relative",
            "http://",
            "https://u:p@x.org/",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}

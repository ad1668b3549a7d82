//! The public addresses of what the service serves, for links that leave the API: feeds,
//! widgets and mails point people at an article's page, never at its JSON.

/// Where an article is read: `ARTICLE_URL_TEMPLATE` (a site with its own front end), else this
/// service's own page `PUBLIC_BASE_URL/articles/{slug}`.
#[derive(Debug, Clone)]
pub struct SiteLinks {
    base: String,
    article_template: Option<String>,
}

impl SiteLinks {
    pub fn new(public_base_url: &str, article_template: Option<&str>) -> Self {
        Self {
            base: public_base_url.trim_end_matches('/').to_owned(),
            article_template: article_template.map(str::to_owned),
        }
    }

    /// This service's own address of `path` (which starts with `/`).
    pub fn ours(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An article's canonical address.
    pub fn article(&self, slug: &str) -> String {
        match &self.article_template {
            Some(t) => t.replace("{slug}", slug),
            None => self.ours(&format!("/articles/{slug}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_lives_on_the_partners_front_end_or_here() {
        let here = SiteLinks::new("https://api.example/", None);
        assert_eq!(here.article("pump"), "https://api.example/articles/pump");
        let there = SiteLinks::new(
            "https://api.example",
            Some("https://site.example/read/{slug}"),
        );
        assert_eq!(there.article("pump"), "https://site.example/read/pump");
        assert_eq!(there.ours("/embed"), "https://api.example/embed");
    }
}

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

    /// The path (and query) of `url` on this service, if it is one of ours: an address under
    /// `PUBLIC_BASE_URL`, or an article's address on the `ARTICLE_URL_TEMPLATE` site (as
    /// `/articles/{slug}`). Nothing is fetched.
    pub fn path_of(&self, url: &str) -> Option<(String, Option<String>)> {
        if let Some(template) = &self.article_template {
            let (before, after) = template.split_once("{slug}")?;
            if let Some(slug) = url.strip_prefix(before).and_then(|r| r.strip_suffix(after)) {
                if !slug.is_empty() && !slug.contains(['/', '?', '#']) {
                    return Some((format!("/articles/{slug}"), None));
                }
            }
        }
        let parsed = url::Url::parse(url).ok()?;
        let base = url::Url::parse(&self.base).ok()?;
        let same_origin = parsed.scheme() == base.scheme()
            && parsed.host_str() == base.host_str()
            && parsed.port_or_known_default() == base.port_or_known_default();
        let base_path = base.path().trim_end_matches('/');
        let path = parsed.path().strip_prefix(base_path)?;
        same_origin.then(|| (path.to_owned(), parsed.query().map(str::to_owned)))
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

    #[test]
    fn only_our_own_addresses_have_a_path() {
        let links = SiteLinks::new(
            "https://api.example",
            Some("https://site.example/read/{slug}"),
        );
        assert_eq!(
            links.path_of("https://api.example/embed/history-events?theme=dark"),
            Some(("/embed/history-events".into(), Some("theme=dark".into())))
        );
        assert_eq!(
            links.path_of("https://site.example/read/pump"),
            Some(("/articles/pump".into(), None))
        );
        for other in [
            "https://evil.example/embed/history-events",
            "http://api.example/embed/history-events",
            "https://api.example:8443/x",
            "https://site.example/read/a/b",
            "not a url",
            "file:///etc/passwd",
        ] {
            assert_eq!(links.path_of(other), None, "{other}");
        }
    }
}

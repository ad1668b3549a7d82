//! `GET /api/v1/articles`: the list, its filters, search and sorts, and its cursors.

use std::collections::HashMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::IntoParams;

use super::representation::{optional_user, ArticleSummary};
use crate::api::extract::Query;
use crate::api::fields::published_time;
use crate::api::responses::{NotModified, Unavailable};
use crate::http::{
    envelope::{Page, PageMeta},
    pagination::{check_limit, encode_cursor, list_response, CursorKey, PageParams},
};
use crate::{
    auth::AuthUser,
    domain::{forbidden_char, search_words::SearchWords, ArticleStatus, BoundedText, Slug},
    errors::{ApiError, ApiResult, Problem, Validator},
    models::{
        article::{self, After, Filter, Sort, Visibility},
        category,
    },
    search_index::SearchIndex,
    state::AppState,
};

const MAX_Q_CHARS: usize = 200;

/// A page of articles with their decoration and rank, and the list's total.
type Rows = (Vec<(article::ArticleHead, article::Decoration, f32)>, i64);
type TagName = BoundedText<1, 50>;

/// The query of `GET /api/v1/articles`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleListParams {
    /// Only articles in this category (its slug); an unknown one is a 400.
    #[param(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub category: Option<String>,
    /// Only articles with this tag (its slug or name, any case); a name without letters or
    /// digits names no tag (a 400).
    #[param(inline, value_type = Option<BoundedText<1, 50>>)]
    pub tag: Option<String>,
    /// Full-text search (web-search syntax: words, "quoted phrases", -excluded, or); the last
    /// word, when a plain word, also matches as a prefix (search as you type). Results are
    /// ranked by relevance (title over excerpt over body) unless `sort` is given, each with a
    /// `snippet`; when nothing matches, `meta.suggestion` may offer corrected words. A blank
    /// `q` is ignored.
    #[param(inline, value_type = Option<BoundedText<0, 200>>)]
    pub q: Option<String>,
    /// Published at or after this time (RFC 3339, or a date meaning its midnight UTC).
    #[param(value_type = Option<String>)]
    pub published_after: Option<String>,
    /// Published before this time (RFC 3339, or a date meaning its midnight UTC).
    #[param(value_type = Option<String>)]
    pub published_before: Option<String>,
    /// The order of the list.
    #[param(schema_with = crate::api::schemas::article_sort)]
    pub sort: Option<String>,
    /// With a token only: `draft`, `scheduled` (not yet due), `published` or `archived`.
    /// Without `status` a list shows what the public sees.
    pub status: Option<ArticleStatus>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// The `meta.next_cursor` of the previous page.
    #[param(max_length = 512)]
    pub cursor: Option<String>,
}

/// The kind of a cursor of the search index's order (BM25 scores, not PostgreSQL's ranks).
const INDEX_CURSOR: &str = "articles/score";

fn cursor_kind(sort: Sort) -> &'static str {
    match sort {
        Sort::Newest => "articles/newest",
        Sort::Oldest => "articles/oldest",
        Sort::Title => "articles/title",
        Sort::Relevance => "articles/relevance",
    }
}

/// The list a request asks for, after checking every parameter.
pub struct ListRequest {
    pub filter: Filter,
    sort: Sort,
    after: Option<After>,
    limit: u32,
}

impl ArticleListParams {
    pub fn parse(
        &self,
        user: Option<AuthUser>,
        now: DateTime<Utc>,
        key: &CursorKey,
    ) -> ApiResult<ListRequest> {
        let mut v = Validator::default();
        let limit = v.check("limit", check_limit(self.limit)).unwrap_or(20);
        let q = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .and_then(|q| {
                if q.chars().count() > MAX_Q_CHARS {
                    v.push("q", format!("must be at most {MAX_Q_CHARS} characters"));
                    None
                } else if q.chars().any(forbidden_char) {
                    v.push("q", "must not contain control characters or non-characters");
                    None
                } else {
                    Some(q.to_owned())
                }
            });
        let sort = match self.sort.as_deref() {
            None if q.is_some() => Some(Sort::Relevance),
            None | Some("-published_at") => Some(Sort::Newest),
            Some("published_at") => Some(Sort::Oldest),
            Some("title") => Some(Sort::Title),
            Some("relevance") if q.is_some() => Some(Sort::Relevance),
            Some("relevance") => {
                v.push("sort", "`relevance` needs a search `q`");
                None
            }
            Some(_) => {
                v.push(
                    "sort",
                    "must be one of `-published_at`, `published_at`, `title`, `relevance`",
                );
                None
            }
        };
        let after_t = self
            .published_after
            .as_deref()
            .and_then(|s| v.check("published_after", published_time(s)));
        let before_t = self
            .published_before
            .as_deref()
            .and_then(|s| v.check("published_before", published_time(s)));
        if let (Some(a), Some(b)) = (after_t, before_t) {
            if a >= b {
                v.push("published_before", "must be later than `published_after`");
            }
        }
        let visibility = match (self.status, user) {
            (None, _) | (Some(ArticleStatus::Published), _) => Visibility::Public,
            (Some(_), None) => {
                return Err(ApiError::Unauthorized(
                    "Listing by `status` needs an editor's or admin's token.".into(),
                ))
            }
            (Some(ArticleStatus::Draft), Some(_)) => Visibility::Drafts,
            (Some(ArticleStatus::Scheduled), Some(_)) => Visibility::Upcoming,
            (Some(ArticleStatus::Archived), Some(_)) => Visibility::Archived,
        };
        let category_slug = self
            .category
            .as_deref()
            .and_then(|s| v.check("category", Slug::parse(s)));
        let tag = self.tag.as_deref().and_then(|s| {
            v.check(
                "tag",
                TagName::parse(s).and_then(|n| Slug::for_tag(n.as_str())),
            )
        });
        let after = match (sort, self.cursor.as_deref()) {
            (Some(sort), Some(c)) => v.check("cursor", decode_after(sort, c, key)),
            _ => None,
        };
        v.finish()?;
        // The category and the tag are looked up by the list's own statement; an unknown
        // category is told apart from an empty one only when the page is empty
        // (`ListRequest::check_category`), and an unknown tag lists nothing.
        Ok(ListRequest {
            filter: Filter {
                visibility,
                category: category_slug.map(|s| s.as_str().to_owned()),
                tag: tag.map(|s| s.as_str().to_owned()),
                q,
                published_after: after_t,
                published_before: before_t,
                now,
            },
            sort: sort.unwrap_or(Sort::Newest),
            after,
            limit,
        })
    }
}

const BAD_CURSOR: &str = "is not a cursor of this list; use meta.next_cursor as given";

/// The keyset position of a cursor made for `sort`.
fn decode_after(sort: Sort, cursor: &str, key: &CursorKey) -> Result<After, String> {
    let page = PageParams {
        limit: None,
        cursor: Some(cursor.to_owned()),
    };
    let bad = |_| BAD_CURSOR.to_owned();
    let kind = cursor_kind(sort);
    Ok(match sort {
        Sort::Newest | Sort::Oldest => {
            let (_, p) = page.parse::<(DateTime<Utc>, i64)>(kind, key).map_err(bad)?;
            let (t, id) = p.unwrap_or_default();
            After::Time(t, id)
        }
        Sort::Title => {
            let (_, p) = page.parse::<(String, i64)>(kind, key).map_err(bad)?;
            let (t, id) = p.unwrap_or_default();
            if t.chars().count() > 200 {
                return Err(BAD_CURSOR.to_owned());
            }
            After::Title(t, id)
        }
        Sort::Relevance => {
            // Either engine's cursor: the page after it comes from the same engine.
            let (engine, p) = match page.parse::<(f32, i64)>(kind, key) {
                Ok((_, p)) => (After::Rank as fn(f32, i64) -> After, p),
                Err(_) => (
                    After::Score as fn(f32, i64) -> After,
                    page.parse::<(f32, i64)>(INDEX_CURSOR, key).map_err(bad)?.1,
                ),
            };
            let (r, id) = p.unwrap_or_default();
            if !r.is_finite() {
                return Err(BAD_CURSOR.to_owned());
            }
            engine(r, id)
        }
    })
}

fn encode_after(
    sort: Sort,
    head: &article::ArticleHead,
    rank: f32,
    by_index: bool,
    key: &CursorKey,
) -> String {
    let kind = cursor_kind(sort);
    match sort {
        Sort::Newest | Sort::Oldest => encode_cursor(kind, &(head.listed_at, head.id), key),
        Sort::Title => encode_cursor(kind, &(&head.title, head.id), key),
        Sort::Relevance if by_index => encode_cursor(INDEX_CURSOR, &(rank, head.id), key),
        Sort::Relevance => encode_cursor(kind, &(rank, head.id), key),
    }
}

/// Published articles, newest first; with a token and `status`, drafts, scheduled or archived
/// ones.
///
/// Keyset-paginated: follow `meta.next_cursor` (or the `Link: rel="next"` header). A reader
/// paging through a list while articles are published sees every article that existed when
/// they started exactly once. `q` searches titles (weighted most), excerpts and bodies.
#[utoipa::path(
    operation_id = "listArticles",
    tag = "Articles",
    params(ArticleListParams),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of articles", body = Page<ArticleSummary>,
        headers(("ETag" = String), ("Cache-Control" = String), ("Link" = String, description = "rel=\"next\" when there is a next page"))),
        (status = 400, description = "A bad parameter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`status` without a token, or a bad token", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/articles")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<ArticleListParams>,
) -> ApiResult<HttpResponse> {
    let user = optional_user(&req).await?;
    let now = Utc::now();
    let request = params.0.parse(user, now, &state.cursor_key)?;
    let mut conn = state.pool.get().await?;
    let body = request.page(&mut conn, &state, now).await?;
    Ok(list_response(&req, &body, body.meta.next_cursor.as_deref()))
}

impl ListRequest {
    /// A 400 naming `category` when the filter names a category that does not exist. Asked
    /// only of an empty answer: a category with articles exists.
    pub async fn check_category(&self, conn: &mut AsyncPgConnection) -> ApiResult<()> {
        let Some(slug) = &self.filter.category else {
            return Ok(());
        };
        match category::find_by_slug(conn, slug).await {
            Ok(_) => Ok(()),
            Err(diesel::result::Error::NotFound) => {
                let mut v = Validator::default();
                v.push(
                    "category",
                    "is not a category; the categories are listed at /api/v1/categories",
                );
                v.finish()
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Whether the search index (`src/search_index.rs`) answers: a public search by relevance
    /// with no other filter, from its first page or a cursor of its own. PostgreSQL answers
    /// every other list, and any search while the index is being built.
    fn for_index(&self) -> bool {
        let f = &self.filter;
        f.q.is_some()
            && self.sort == Sort::Relevance
            && f.visibility == Visibility::Public
            && f.category.is_none()
            && f.tag.is_none()
            && f.published_after.is_none()
            && f.published_before.is_none()
            && !matches!(self.after, Some(After::Rank(..)))
    }

    /// A page from the search index: its hits, read with their decoration in one statement,
    /// and their snippets (`None` if the index could not cut them: PostgreSQL does). `None`
    /// when the index is not built yet (PostgreSQL answers).
    async fn page_from_index(
        &self,
        conn: &mut AsyncPgConnection,
        index: &SearchIndex,
        now: DateTime<Utc>,
        fetch: i64,
    ) -> ApiResult<Option<(Rows, Option<HashMap<i64, String>>)>> {
        let after = match self.after {
            Some(After::Score(score, id)) => Some((score, id)),
            _ => None,
        };
        let words = SearchWords::parse(self.filter.q.as_deref().unwrap_or_default());
        let found = index
            .search(conn, words.clone(), now, after, fetch as usize)
            .await;
        let hits = match (found, after) {
            (Ok(Some(hits)), _) => hits,
            // A cursor of the index's order cannot be continued by PostgreSQL's.
            (Ok(None), Some(_)) => {
                return Err(ApiError::Unavailable(
                    "the search index is being built".into(),
                ))
            }
            (Ok(None), None) => return Ok(None),
            (Err(e), _) => return Err(ApiError::Internal(e)),
        };
        let ids: Vec<i64> = hits.hits.iter().map(|(_, id)| *id).collect();
        let mut found: HashMap<i64, _> = article::public_by_ids(conn, &ids, now)
            .await?
            .into_iter()
            .map(|(head, decoration, body)| (head.id, (head, decoration, body)))
            .collect();
        let mut rows = Vec::with_capacity(found.len());
        let mut texts = Vec::with_capacity(found.len());
        for (score, id) in &hits.hits {
            if let Some((head, decoration, body)) = found.remove(id) {
                texts.push((head.id, head.excerpt.clone(), body));
                rows.push((head, decoration, *score));
            }
        }
        // The row past the page only says there is a next one: it gets no snippet.
        texts.truncate(fetch.saturating_sub(1) as usize);
        let snippets = index.snippets(words, texts).await.unwrap_or_else(|e| {
            // The hits stand; PostgreSQL cuts their snippets instead.
            tracing::warn!(error = %e, "search: the index could not cut snippets");
            None
        });
        Ok(Some(((rows, hits.total), snippets)))
    }

    /// The page this request asks for: `limit + 1` rows say whether there is a next page,
    /// whose cursor is the last row's position in this sort.
    async fn page(
        &self,
        conn: &mut AsyncPgConnection,
        state: &AppState,
        now: DateTime<Utc>,
    ) -> ApiResult<Page<ArticleSummary>> {
        let (limit, sort, key) = (self.limit, self.sort, &state.cursor_key);
        let fetch = i64::from(limit) + 1;
        let from_index = match self.for_index() {
            true => {
                self.page_from_index(conn, &state.search_index, now, fetch)
                    .await?
            }
            false => None,
        };
        let by_index = from_index.is_some();
        let ((mut rows, total), cut_snippets) = match from_index {
            Some(found) => found,
            None => (
                article::page(conn, &self.filter, sort, self.after.as_ref(), fetch).await?,
                None,
            ),
        };
        if rows.is_empty() {
            self.check_category(conn).await?;
        }
        let next_cursor = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last()
                .map(|(head, _, rank)| encode_after(sort, head, *rank, by_index, key))
        } else {
            None
        };
        let ids: Vec<i64> = rows.iter().map(|(head, _, _)| head.id).collect();
        let mut data: Vec<ArticleSummary> = rows
            .into_iter()
            .map(|(head, decoration, _)| ArticleSummary::new(head, decoration, now))
            .collect();
        let mut suggestion = None;
        if let Some(q) = self.filter.q.as_deref() {
            let mut snippets: HashMap<i64, String> = match cut_snippets {
                Some(cut) => cut,
                None => article::snippets(conn, q, &ids)
                    .await?
                    .into_iter()
                    .collect(),
            };
            for (summary, id) in data.iter_mut().zip(&ids) {
                summary.snippet = snippets.remove(id).map(|s| marked_html(&s));
            }
            if total == 0 {
                suggestion = article::suggest(conn, q, now).await.unwrap_or_else(|e| {
                    // A server without pg_trgm: the search still answers, without one.
                    tracing::warn!(error = %e, "search: no suggestion (is pg_trgm installed?)");
                    None
                });
            }
        }
        Ok(Page {
            data,
            meta: PageMeta {
                limit,
                next_cursor,
                total,
                suggestion,
            },
        })
    }
}

/// A snippet as HTML: every character escaped but the marks, which become `<mark>` and
/// `</mark>` (the text held none of them: `article::snippets` and the search index remove
/// them first).
fn marked_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 32);
    let mut space = false;
    for c in raw.chars() {
        // Line breaks and runs of spaces of the Markdown read as one space.
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if std::mem::take(&mut space) {
            out.push(' ');
        }
        match c {
            article::MARK_START => out.push_str("<mark>"),
            article::MARK_STOP => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_escapes_everything_but_its_marks() {
        let raw = format!(
            "<script>alert('x')</script>\n\n &  {}oxygen{}ator \" ",
            article::MARK_START,
            article::MARK_STOP
        );
        assert_eq!(
            marked_html(&raw),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; <mark>oxygen</mark>ator &quot;"
        );
    }
}

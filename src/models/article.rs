//! The `articles` table and its slug history.
//!
//! What the public sees is decided here, by [`public`]: an article that is `published`, or
//! `scheduled` with its time come, and `published_at <= now`. No job flips a scheduled article;
//! the query does. Lists are keyset-paginated on the indexed `(listed_at, id)`, `(title, id)` or
//! `(rank, id)`, never with OFFSET.

use chrono::{DateTime, Utc};
use diesel::{
    dsl::{self, sql},
    expression::BoxableExpression,
    pg::Pg,
    prelude::*,
    sql_types::{Array, BigInt, Bool, Float4, Nullable, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::fixed_sql::{fixed, Fixed};
use super::published::public;
use crate::db::Tx;
use crate::domain::{ArticleStatus, Slug};
use crate::models::tag::{self, NewTag};
use crate::schema::{article_slug_redirects, article_tags, articles, categories, tags};

/// Every column but the search vector.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(diesel::pg::Pg))]
pub struct Article {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    pub body_markdown: String,
    pub body_html: String,
    pub category_id: i64,
    pub author_id: Option<i64>,
    pub featured_image_url: Option<String>,
    pub featured_image_alt: Option<String>,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub reading_time_minutes: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub listed_at: DateTime<Utc>,
}

/// An article without its bodies: what a list shows.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(diesel::pg::Pg))]
pub struct ArticleHead {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    pub category_id: i64,
    pub author_id: Option<i64>,
    pub featured_image_url: Option<String>,
    pub featured_image_alt: Option<String>,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub reading_time_minutes: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub listed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = articles)]
pub struct NewArticle {
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    pub body_markdown: String,
    pub body_html: String,
    pub category_id: i64,
    pub author_id: Option<i64>,
    pub featured_image_url: Option<String>,
    pub featured_image_alt: Option<String>,
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub reading_time_minutes: i32,
}

/// A change: `None` leaves a column as it is; `Some(None)` clears a nullable one.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = articles)]
pub struct ArticleChangeset {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub excerpt: Option<String>,
    pub body_markdown: Option<String>,
    pub body_html: Option<String>,
    pub category_id: Option<i64>,
    pub featured_image_url: Option<Option<String>>,
    pub featured_image_alt: Option<Option<String>>,
    pub status: Option<ArticleStatus>,
    pub published_at: Option<Option<DateTime<Utc>>>,
    pub reading_time_minutes: Option<i32>,
    /// Set when only the tags change, so the row still records the edit.
    pub updated_at: Option<DateTime<Utc>>,
}

impl ArticleChangeset {
    /// True when it would change nothing (diesel refuses to build an empty UPDATE).
    pub fn is_empty(&self) -> bool {
        self.slug.is_none()
            && self.title.is_none()
            && self.excerpt.is_none()
            && self.body_markdown.is_none()
            && self.body_html.is_none()
            && self.category_id.is_none()
            && self.featured_image_url.is_none()
            && self.featured_image_alt.is_none()
            && self.status.is_none()
            && self.published_at.is_none()
            && self.reading_time_minutes.is_none()
            && self.updated_at.is_none()
    }
}

impl Article {
    /// The row as a list shows it, and its two bodies.
    pub fn split(self) -> (ArticleHead, String, String) {
        let head = ArticleHead {
            id: self.id,
            slug: self.slug,
            title: self.title,
            excerpt: self.excerpt,
            category_id: self.category_id,
            author_id: self.author_id,
            featured_image_url: self.featured_image_url,
            featured_image_alt: self.featured_image_alt,
            status: self.status,
            published_at: self.published_at,
            reading_time_minutes: self.reading_time_minutes,
            created_at: self.created_at,
            updated_at: self.updated_at,
            listed_at: self.listed_at,
        };
        (head, self.body_markdown, self.body_html)
    }
}

/// What an answer shows beside the article's own columns: its category, its author's display
/// name and its tags (ordered by slug). Read in the same statement as the articles, by
/// [`decoration`], so one article or a page of them is one round trip.
#[derive(Debug, Clone, Queryable)]
pub struct Decoration {
    pub category_slug: String,
    pub category_name: String,
    pub author_name: Option<String>,
    pub tag_slugs: Vec<String>,
    pub tag_names: Vec<String>,
}

type DecorationColumns = (
    Fixed<Text>,
    Fixed<Text>,
    Fixed<Nullable<Text>>,
    Fixed<Array<Text>>,
    Fixed<Array<Text>>,
);

/// The columns of a [`Decoration`], as subqueries of the row's `articles` (each an index
/// lookup: the category's and the author's primary keys, `article_tags`' primary key).
fn decoration() -> DecorationColumns {
    (
        fixed("(SELECT c.slug FROM categories c WHERE c.id = articles.category_id)"),
        fixed("(SELECT c.name FROM categories c WHERE c.id = articles.category_id)"),
        fixed("(SELECT u.display_name FROM admin_users u WHERE u.id = articles.author_id)"),
        fixed(
            "ARRAY(SELECT t.slug FROM article_tags at JOIN tags t ON t.id = at.tag_id \
             WHERE at.article_id = articles.id ORDER BY t.slug)",
        ),
        fixed(
            "ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id \
             WHERE at.article_id = articles.id ORDER BY t.slug)",
        ),
    )
}

/// Which articles a list or a read may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// What the public sees: published, or scheduled and due.
    Public,
    Drafts,
    /// Scheduled and not yet due.
    Upcoming,
    Archived,
}

/// The filters of a list.
#[derive(Debug, Clone)]
pub struct Filter {
    pub visibility: Visibility,
    /// A category's slug: looked up in the list's own statement (an unknown one lists nothing).
    pub category: Option<String>,
    /// A tag's slug, likewise.
    pub tag: Option<String>,
    pub q: Option<String>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// `listed_at` descending (for published articles, `published_at`).
    Newest,
    Oldest,
    Title,
    /// By full-text rank, best first (only with `q`).
    Relevance,
}

/// Where the previous page ended, in the order of its sort.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    Time(DateTime<Utc>, i64),
    Title(String, i64),
    Rank(f32, i64),
    /// A position in the search index's order (`src/search_index.rs`: BM25 score and id); the
    /// database is never asked for it.
    Score(f32, i64),
}

type BoxedBool = Box<dyn BoxableExpression<articles::table, Pg, SqlType = Bool>>;
type BoxedRank = Box<dyn BoxableExpression<articles::table, Pg, SqlType = Float4>>;

/// The search's match. Left as `sql()` on purpose: a query that holds it is planned for its
/// words every time. Kept prepared, PostgreSQL switches to a generic plan after five runs, which
/// for a full-text match cannot know how many rows the words find: measured, it halved the
/// search's rate (bench/README, issue 18).
fn tsquery_matches(q: &str) -> BoxedBool {
    Box::new(
        sql::<Bool>("articles.search @@ article_search_query(")
            .bind::<Text, _>(q.to_owned())
            .sql(")"),
    )
}

fn rank(q: Option<&str>) -> BoxedRank {
    match q {
        Some(q) => Box::new(
            sql::<Float4>("ts_rank(articles.search, article_search_query(")
                .bind::<Text, _>(q.to_owned())
                .sql("))"),
        ),
        None => Box::new(fixed::<Float4>("0::real")),
    }
}

/// `articles` with every filter of `f` applied (shared by the page and its total).
fn filtered(f: &Filter) -> articles::BoxedQuery<'static, Pg> {
    let mut query = articles::table.into_boxed();
    query = match f.visibility {
        Visibility::Public => query.filter(public(f.now)),
        Visibility::Drafts => query.filter(articles::status.eq("draft")),
        Visibility::Archived => query.filter(articles::status.eq("archived")),
        Visibility::Upcoming => query
            .filter(articles::status.eq("scheduled"))
            .filter(articles::listed_at.gt(f.now)),
    };
    if let Some(slug) = &f.category {
        query = query.filter(
            articles::category_id.nullable().eq(categories::table
                .filter(categories::slug.eq(slug.clone()))
                .select(categories::id)
                .single_value()),
        );
    }
    if let Some(slug) = &f.tag {
        query = query.filter(
            articles::id.eq_any(
                article_tags::table
                    .filter(
                        article_tags::tag_id.nullable().eq(tags::table
                            .filter(tags::slug.eq(slug.clone()))
                            .select(tags::id)
                            .single_value()),
                    )
                    .select(article_tags::article_id),
            ),
        );
    }
    if let Some(q) = f.q.as_deref() {
        query = query.filter(tsquery_matches(q));
    }
    if let Some(t) = f.published_after {
        query = query.filter(articles::published_at.ge(t));
    }
    if let Some(t) = f.published_before {
        query = query.filter(articles::published_at.lt(t));
    }
    query
}

/// A page of the list: up to `limit` articles after `after`, each with its [`Decoration`] and
/// its search rank (0 without `q`), and the whole list's total. Two statements, pipelined: sent
/// together, answered in one round trip.
pub async fn page(
    conn: &mut AsyncPgConnection,
    f: &Filter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<(Vec<(ArticleHead, Decoration, f32)>, i64)> {
    let conn: &AsyncPgConnection = conn;
    tokio::try_join!(rows(conn, f, sort, after, limit), count(conn, f))
}

async fn rows(
    mut conn: &AsyncPgConnection,
    f: &Filter,
    sort: Sort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<(ArticleHead, Decoration, f32)>> {
    let mut query = filtered(f)
        .select((ArticleHead::as_select(), decoration(), rank(f.q.as_deref())))
        .limit(limit);
    query = match sort {
        Sort::Newest => query.order((articles::listed_at.desc(), articles::id.desc())),
        Sort::Oldest => query.order((articles::listed_at.asc(), articles::id.asc())),
        Sort::Title => query.order((articles::title.asc(), articles::id.asc())),
        Sort::Relevance => query.order((rank(f.q.as_deref()).desc(), articles::id.desc())),
    };
    // Row comparisons, which a btree index answers as one range.
    query = match (sort, after) {
        (_, None) => query,
        (Sort::Newest, Some(After::Time(t, id))) => query.filter(
            sql::<Bool>("(articles.listed_at, articles.id) < (")
                .bind::<Timestamptz, _>(*t)
                .sql(", ")
                .bind::<BigInt, _>(*id)
                .sql(")"),
        ),
        (Sort::Oldest, Some(After::Time(t, id))) => query.filter(
            sql::<Bool>("(articles.listed_at, articles.id) > (")
                .bind::<Timestamptz, _>(*t)
                .sql(", ")
                .bind::<BigInt, _>(*id)
                .sql(")"),
        ),
        (Sort::Title, Some(After::Title(title, id))) => query.filter(
            sql::<Bool>("(articles.title, articles.id) > (")
                .bind::<Text, _>(title.clone())
                .sql(", ")
                .bind::<BigInt, _>(*id)
                .sql(")"),
        ),
        (Sort::Relevance, Some(After::Rank(r, id))) => {
            let q = f.q.clone().unwrap_or_default();
            query.filter(
                sql::<Bool>("(ts_rank(articles.search, article_search_query(")
                    .bind::<Text, _>(q)
                    .sql(")), articles.id) < (")
                    .bind::<Float4, _>(*r)
                    .sql(", ")
                    .bind::<BigInt, _>(*id)
                    .sql(")"),
            )
        }
        // A cursor of another sort never gets here (the API layer ties cursors to a sort).
        (_, Some(_)) => return Ok(Vec::new()),
    };
    query.load(&mut conn).await
}

/// Where a snippet's highlight starts and stops: characters of Unicode's private use area,
/// removed from the text before PostgreSQL marks it, so only its marks can be these.
pub const MARK_START: char = '\u{E000}';
pub const MARK_STOP: char = '\u{E001}';

#[derive(QueryableByName)]
struct Snippet {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    snippet: String,
}

/// For each of `ids`, the passages of its excerpt and body that best match the search `q`
/// (ts_headline), raw text with the matches between [`MARK_START`] and [`MARK_STOP`]; the
/// Markdown's emphasis and heading marks are left out. Only the body's first 500 characters are
/// read: ts_headline parses all the text it is given; the whole of a 4 KB body cost about
/// 0.5 ms an article (10 ms a page), 500 characters about 0.1 ms. The caller escapes it.
pub async fn snippets(
    conn: &mut AsyncPgConnection,
    q: &str,
    ids: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let options = format!(
        "StartSel=\"{MARK_START}\", StopSel=\"{MARK_STOP}\", MaxWords=25, MinWords=10, \
         MaxFragments=1, FragmentDelimiter=\" … \""
    );
    diesel::sql_query(
        "SELECT a.id, ts_headline('english', \
             translate(a.excerpt || ' ' || regexp_replace(left(a.body_markdown, 500), '[*_#`]+', '', 'g'), \
                       $3, ''), \
             article_search_query($1), $2) AS snippet \
         FROM articles a WHERE a.id = ANY($4)",
    )
    .bind::<Text, _>(q)
    .bind::<Text, _>(options)
    .bind::<Text, _>(format!("{MARK_START}{MARK_STOP}"))
    .bind::<diesel::sql_types::Array<BigInt>, _>(ids)
    .load::<Snippet>(conn)
    .await
    .map(|rows| rows.into_iter().map(|r| (r.id, r.snippet)).collect())
}

#[derive(QueryableByName)]
struct Suggestion {
    #[diesel(sql_type = Nullable<Text>)]
    suggestion: Option<String>,
}

/// "Did you mean": the words of `q`, each unknown one replaced by the nearest word of an
/// article title (pg_trgm), when that changes something and the result finds a public article.
/// `None` otherwise, and when the server has no pg_trgm (the caller logs the error).
pub async fn suggest(
    conn: &mut AsyncPgConnection,
    q: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<String>> {
    diesel::sql_query(
        "WITH words AS ( \
             SELECT w, n FROM regexp_split_to_table(lower($1), '[^[:alnum:]]+') \
                 WITH ORDINALITY AS t (w, n) \
             WHERE w <> '' AND n <= 10), \
         fixed AS ( \
             SELECT n, w, COALESCE( \
                 (SELECT s.word FROM search_title_words s WHERE s.word = w), \
                 (SELECT s.word FROM search_title_words s WHERE char_length(w) >= 3 AND s.word % w \
                  ORDER BY s.word <-> w, s.word LIMIT 1), \
                 w) AS fix \
             FROM words), \
         guess AS ( \
             SELECT string_agg(fix, ' ' ORDER BY n) AS words, bool_or(fix <> w) AS changed \
             FROM fixed) \
         SELECT (SELECT g.words FROM guess g WHERE g.changed AND EXISTS ( \
             SELECT 1 FROM articles a \
             WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= $2 \
               AND a.search @@ websearch_to_tsquery('english', g.words))) AS suggestion",
    )
    .bind::<Text, _>(q)
    .bind::<Timestamptz, _>(now)
    .get_result::<Suggestion>(conn)
    .await
    .map(|s| s.suggestion)
}

/// How many articles the whole list has.
async fn count(mut conn: &AsyncPgConnection, f: &Filter) -> QueryResult<i64> {
    let kept = matches!(f.visibility, Visibility::Public)
        && f.q.is_none()
        && f.published_after.is_none()
        && f.published_before.is_none()
        && !(f.category.is_some() && f.tag.is_some());
    if kept {
        return count_public(conn, f.category.as_deref(), f.tag.as_deref(), f.now).await;
    }
    filtered(f).count().get_result(&mut conn).await
}

diesel::define_sql_function! {
    /// Migration `article_public_count`.
    fn article_public_count(category_slug: Nullable<Text>, tag_slug: Nullable<Text>, as_of: Timestamptz) -> BigInt;
}

/// The public list's total (every article, a category's or a tag's) from the counts the
/// triggers keep (migration `article_counts`): the published articles, less those dated after
/// `now`, plus the scheduled ones already due. The two corrections are short ranges of
/// `articles_by_status`, so this costs the same at any size. A PL/pgSQL function (migration
/// `article_public_count`), so that it is one prepared statement, planned once per connection.
async fn count_public(
    mut conn: &AsyncPgConnection,
    category: Option<&str>,
    tag: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::select(article_public_count(category, tag, now))
        .get_result(&mut conn)
        .await
}

/// The article with this slug and its [`Decoration`], in one statement, if the reader may see
/// it (`public_at`: the public at that time; `None`: any status).
pub async fn find(
    conn: &mut AsyncPgConnection,
    slug: &str,
    public_at: Option<DateTime<Utc>>,
) -> QueryResult<Option<(Article, Decoration)>> {
    let mut query = articles::table
        .filter(articles::slug.eq(slug))
        .select((Article::as_select(), decoration()))
        .into_boxed();
    if let Some(now) = public_at {
        query = query.filter(public(now));
    }
    query.first(conn).await.optional()
}

/// Those of the articles `ids` the public may see at `now`, each with its [`Decoration`] and
/// the first 500 characters of its body (to cut a snippet from), in no order (a page of the
/// search index's hits). One prepared statement.
pub async fn public_by_ids(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
    now: DateTime<Utc>,
) -> QueryResult<Vec<(ArticleHead, Decoration, String)>> {
    articles::table
        .filter(articles::id.eq_any(ids))
        .filter(public(now))
        .select((
            ArticleHead::as_select(),
            decoration(),
            fixed::<Text>("left(articles.body_markdown, 500)"),
        ))
        .load(conn)
        .await
}

/// The article `id` with its [`Decoration`], whatever its status (the webhook worker's
/// announcement of a scheduled article whose time has come).
pub async fn find_by_id(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<(Article, Decoration)> {
    articles::table
        .filter(articles::id.eq(id))
        .select((Article::as_select(), decoration()))
        .first(conn)
        .await
}

/// The [`Decoration`] of the article `id` (after a write, whose row is already in hand).
pub async fn decoration_of(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Decoration> {
    articles::table
        .filter(articles::id.eq(id))
        .select(decoration())
        .get_result(conn)
        .await
}

/// The current slug of the article that used to be called `old` (if the reader may see it).
pub async fn find_redirect(
    conn: &mut AsyncPgConnection,
    old: &str,
    public_at: Option<DateTime<Utc>>,
) -> QueryResult<Option<String>> {
    let mut query = article_slug_redirects::table
        .inner_join(articles::table)
        .filter(article_slug_redirects::slug.eq(old))
        .select(articles::slug)
        .into_boxed();
    if let Some(now) = public_at {
        query = query.filter(public(now));
    }
    query.first(conn).await.optional()
}

/// Reads an article and locks its row until the end of the transaction.
pub async fn find_for_update(tx: &mut Tx<'_>, slug: &str) -> QueryResult<Article> {
    articles::table
        .filter(articles::slug.eq(slug))
        .select(Article::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn slug_exists(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<bool> {
    diesel::select(dsl::exists(articles::table.filter(articles::slug.eq(slug))))
        .get_result(conn)
        .await
}

pub async fn insert(tx: &mut Tx<'_>, new: &NewArticle) -> QueryResult<Article> {
    let article = diesel::insert_into(articles::table)
        .values(new)
        .returning(Article::as_returning())
        .get_result(&mut **tx)
        .await?;
    // A live slug wins over an old one that another article used to have.
    forget_redirect(tx, &article.slug).await?;
    Ok(article)
}

/// Applies `changes`; when the slug changes, the old one is kept as a redirect.
pub async fn update(
    tx: &mut Tx<'_>,
    current: &Article,
    changes: &ArticleChangeset,
) -> QueryResult<Article> {
    if changes.is_empty() {
        return Ok(current.clone());
    }
    let updated = diesel::update(articles::table.find(current.id))
        .set(changes)
        .returning(Article::as_returning())
        .get_result(&mut **tx)
        .await?;
    if updated.slug != current.slug {
        forget_redirect(tx, &updated.slug).await?;
        diesel::insert_into(article_slug_redirects::table)
            .values((
                article_slug_redirects::slug.eq(&current.slug),
                article_slug_redirects::article_id.eq(current.id),
            ))
            .on_conflict(article_slug_redirects::slug)
            .do_update()
            .set(article_slug_redirects::article_id.eq(current.id))
            .execute(&mut **tx)
            .await?;
    }
    Ok(updated)
}

async fn forget_redirect(tx: &mut Tx<'_>, slug: &str) -> QueryResult<()> {
    diesel::delete(article_slug_redirects::table.filter(article_slug_redirects::slug.eq(slug)))
        .execute(&mut **tx)
        .await
        .map(drop)
}

/// Adds an article and its tags (made on first use), in the caller's transaction.
pub async fn insert_with_tags(
    tx: &mut Tx<'_>,
    new: &NewArticle,
    tags: &[NewTag],
) -> QueryResult<Article> {
    let row = insert(tx, new).await?;
    let tag_ids = tag::ensure(tx, tags).await?;
    tag::set_for_article(tx, row.id, &tag_ids).await?;
    Ok(row)
}

/// Applies `changes` to the locked `current` article, and replaces its tags when `tags` is
/// given (which alone counts as a change: `updated_at` moves to `now`).
pub async fn update_with_tags(
    tx: &mut Tx<'_>,
    current: &Article,
    mut changes: ArticleChangeset,
    tags: Option<&[NewTag]>,
    now: DateTime<Utc>,
) -> QueryResult<Article> {
    if let Some(tags) = tags {
        let ids = tag::ensure(tx, tags).await?;
        tag::set_for_article(tx, current.id, &ids).await?;
        changes.updated_at = Some(now);
    }
    update(tx, current, &changes).await
}

/// The first of `base`, `base-2`, `base-3`… (up to 50) that no article has, if any. A
/// concurrent insert of the same slug is still possible: the insert then fails as taken.
pub async fn free_slug(conn: &mut AsyncPgConnection, base: &Slug) -> QueryResult<Option<Slug>> {
    for n in 1..=50 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            base.with_suffix(n)
        };
        if !slug_exists(conn, candidate.as_str()).await? {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// Archives an article (the public no longer sees it); false when there is none.
pub async fn archive(tx: &mut Tx<'_>, slug: &str) -> QueryResult<bool> {
    diesel::update(articles::table.filter(articles::slug.eq(slug)))
        .set(articles::status.eq(ArticleStatus::Archived))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
}

/// Removes an article for good; false when there is none.
pub async fn delete(tx: &mut Tx<'_>, slug: &str) -> QueryResult<bool> {
    diesel::delete(articles::table.filter(articles::slug.eq(slug)))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
}

/// The latest `limit` public articles, with bodies (for the feeds).
pub async fn latest_public(
    conn: &mut AsyncPgConnection,
    category: Option<String>,
    tag: Option<String>,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(Article, Decoration)>> {
    let f = Filter {
        visibility: Visibility::Public,
        category,
        tag,
        q: None,
        published_after: None,
        published_before: None,
        now,
    };
    filtered(&f)
        .select((Article::as_select(), decoration()))
        .order((articles::listed_at.desc(), articles::id.desc()))
        .limit(limit)
        .load(conn)
        .await
}

/// When the next scheduled article goes public (`None` when none is waiting). Public
/// responses cannot be kept past it.
pub async fn next_scheduled_publish(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Option<DateTime<Utc>>> {
    articles::table
        .filter(articles::status.eq("scheduled"))
        .filter(articles::listed_at.gt(dsl::now))
        .select(dsl::min(articles::listed_at))
        .get_result(conn)
        .await
}

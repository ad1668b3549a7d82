//! The reference for uncached reads (issue 18, part 4): the same data as the service's article
//! detail and list pages, each fetched with ONE prepared statement by a plain handler on the
//! same stack (actix-web, a deadpool of diesel-async connections, as large as the service's)
//! and the same tables, serialized with serde. No middleware, no cache, no ETag, no validation
//! beyond what the SQL needs, no check of a connection before its use. Each statement is
//! prepared once per connection ([`Prepared`]): diesel's `sql_query` would be parsed and
//! planned on every execution (see bench/README, "Uncached reads").
//!
//! `bench/run` builds it (`cargo build --release --example bench-reference`), starts it beside
//! the cache-off server on the same database, and judges the service's cache-off detail and
//! list scenarios against it (within 1.2×). Run by hand:
//!
//! ```sh
//! DATABASE_URL=postgres://… BIND_ADDR=127.0.0.1:8090 target/release/examples/bench-reference
//! curl 127.0.0.1:8090/articles/some-slug
//! curl '127.0.0.1:8090/articles?category=ecmo'   # or ?tag=…, or neither
//! ```

use std::sync::LazyLock;
use std::time::Duration;

use actix_web::{get, web, App, HttpResponse, HttpServer};
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::Untyped;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz};
use diesel::{QueryResult, QueryableByName};
use diesel_async::pooled_connection::{
    deadpool::Pool, AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::AsyncPgConnection;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};

type DbPool = Pool<AsyncPgConnection>;

/// The columns both answers show, with the category, byline and tags beside them.
const COLUMNS: &str = "a.slug, a.title, a.excerpt, a.featured_image_url, a.featured_image_alt, \
     CASE WHEN a.status = 'scheduled' THEN 'published' ELSE a.status END AS status, \
     a.published_at, a.reading_time_minutes, a.created_at, a.updated_at, \
     c.slug AS category_slug, c.name AS category_name, u.display_name AS author_name, \
     ARRAY(SELECT t.slug FROM article_tags at JOIN tags t ON t.id = at.tag_id \
           WHERE at.article_id = a.id ORDER BY t.slug) AS tag_slugs, \
     ARRAY(SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id \
           WHERE at.article_id = a.id ORDER BY t.slug) AS tag_names";

/// The list's total as the service counts it: the kept count of published articles, less those
/// dated after now, plus the scheduled ones already due.
const TOTAL: &str = "COALESCE((SELECT k.published FROM article_counts k \
       WHERE k.category_id IS NOT DISTINCT FROM (SELECT id FROM cat) \
                            AND ($1::TEXT IS NULL) = (category_id IS NULL) \
         AND k.tag_id IS NOT DISTINCT FROM (SELECT id FROM tag) \
                            AND ($2::TEXT IS NULL) = (tag_id IS NULL)), 0) \
     - (SELECT count(*) FROM articles x WHERE x.status = 'published' AND x.listed_at > $3 \
          AND ($1::TEXT IS NULL OR x.category_id = (SELECT id FROM cat)) \
          AND ($2::TEXT IS NULL OR EXISTS (SELECT 1 FROM article_tags t \
               WHERE t.article_id = x.id AND t.tag_id = (SELECT id FROM tag)))) \
     + (SELECT count(*) FROM articles x WHERE x.status = 'scheduled' AND x.listed_at <= $3 \
          AND ($1::TEXT IS NULL OR x.category_id = (SELECT id FROM cat)) \
          AND ($2::TEXT IS NULL OR EXISTS (SELECT 1 FROM article_tags t \
               WHERE t.article_id = x.id AND t.tag_id = (SELECT id FROM tag))))";

const FROM: &str = "FROM articles a JOIN categories c ON c.id = a.category_id \
     LEFT JOIN admin_users u ON u.id = a.author_id";

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    excerpt: String,
    #[diesel(sql_type = Nullable<Text>)]
    featured_image_url: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    featured_image_alt: Option<String>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    published_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Integer)]
    reading_time_minutes: i32,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    updated_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    category_slug: String,
    #[diesel(sql_type = Text)]
    category_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    author_name: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    tag_slugs: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    tag_names: Vec<String>,
}

#[derive(QueryableByName)]
struct Detail {
    #[diesel(embed)]
    article: Row,
    #[diesel(sql_type = Text)]
    body_markdown: String,
    #[diesel(sql_type = Text)]
    body_html: String,
}

#[derive(QueryableByName)]
struct ListRow {
    #[diesel(embed)]
    article: Row,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

#[derive(Serialize)]
struct Named {
    slug: String,
    name: String,
}

#[derive(Serialize)]
struct Author {
    name: String,
}

#[derive(Serialize)]
struct Summary {
    slug: String,
    title: String,
    excerpt: String,
    category: Named,
    tags: Vec<Named>,
    author: Option<Author>,
    featured_image_url: Option<String>,
    featured_image_alt: Option<String>,
    status: String,
    published_at: Option<DateTime<Utc>>,
    reading_time_minutes: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Summary {
    fn from(r: Row) -> Self {
        Summary {
            slug: r.slug,
            title: r.title,
            excerpt: r.excerpt,
            category: Named {
                slug: r.category_slug,
                name: r.category_name,
            },
            tags: r
                .tag_slugs
                .into_iter()
                .zip(r.tag_names)
                .map(|(slug, name)| Named { slug, name })
                .collect(),
            author: r.author_name.map(|name| Author { name }),
            featured_image_url: r.featured_image_url,
            featured_image_alt: r.featured_image_alt,
            status: r.status,
            published_at: r.published_at,
            reading_time_minutes: r.reading_time_minutes,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize)]
struct Full {
    #[serde(flatten)]
    summary: Summary,
    body_markdown: String,
    body_html: String,
}

#[derive(Serialize)]
struct Item<T> {
    data: T,
}

#[derive(Serialize)]
struct Meta {
    limit: u32,
    next_cursor: Option<String>,
    total: i64,
}

#[derive(Serialize)]
struct Page {
    data: Vec<Summary>,
    meta: Meta,
}

/// The detail's statement.
static DETAIL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS}, a.body_markdown, a.body_html {FROM} \
         WHERE a.slug = $1 AND a.status IN ('published', 'scheduled') AND a.listed_at <= $2"
    )
});

/// The list's statement: page 1 (20 newest and one more) with its total.
static LIST: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH cat AS (SELECT id FROM categories WHERE slug = $1), \
              tag AS (SELECT id FROM tags WHERE slug = $2), \
              page AS (SELECT a.* FROM articles a \
                       WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= $3 \
                         AND ($1::TEXT IS NULL OR a.category_id = (SELECT id FROM cat)) \
                         AND ($2::TEXT IS NULL OR a.id IN (SELECT article_id FROM article_tags \
                                                 WHERE tag_id = (SELECT id FROM tag))) \
                       ORDER BY a.listed_at DESC, a.id DESC LIMIT 21) \
         SELECT {COLUMNS}, ({TOTAL}) AS total \
         FROM page a JOIN categories c ON c.id = a.category_id \
         LEFT JOIN admin_users u ON u.id = a.author_id \
         ORDER BY a.listed_at DESC, a.id DESC"
    )
});

/// A value for a `$n` of a [`Prepared`] statement.
enum Param {
    Text(String),
    MaybeText(Option<String>),
    Time(DateTime<Utc>),
}

/// One statement that diesel keeps prepared on each connection, keyed by its text, where
/// `sql_query` would be parsed and planned on every execution. `$n` in `sql` stands for
/// `params[n - 1]`; each use of it is sent as a parameter of its own.
struct Prepared {
    sql: &'static str,
    params: Vec<Param>,
}

impl QueryFragment<Pg> for Prepared {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let mut rest = self.sql;
        while let Some(at) = rest.find('$') {
            let digits = rest[at + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            out.push_sql(&rest[..at]);
            let n: usize = rest[at + 1..at + 1 + digits].parse().unwrap_or(0);
            match n.checked_sub(1).and_then(|i| self.params.get(i)) {
                Some(Param::Text(v)) => out.push_bind_param::<Text, _>(v)?,
                Some(Param::MaybeText(v)) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                Some(Param::Time(v)) => out.push_bind_param::<Timestamptz, _>(v)?,
                None => out.push_sql(&rest[at..at + 1 + digits]),
            }
            rest = &rest[at + 1 + digits..];
        }
        out.push_sql(rest);
        Ok(())
    }
}

/// Keyed by its SQL text in diesel's statement cache.
impl QueryId for Prepared {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Prepared {
    type SqlType = Untyped;
}

fn unavailable(e: impl std::fmt::Display) -> actix_web::Error {
    actix_web::error::ErrorServiceUnavailable(e.to_string())
}

#[get("/articles/{slug}")]
async fn detail(
    pool: web::Data<DbPool>,
    slug: web::Path<String>,
) -> actix_web::Result<HttpResponse> {
    let mut conn = pool.get().await.map_err(unavailable)?;
    let found: Option<Detail> = Prepared {
        sql: &DETAIL,
        params: vec![Param::Text(slug.into_inner()), Param::Time(Utc::now())],
    }
    .get_result(&mut conn)
    .await
    .map(Some)
    .or_else(|e| match e {
        diesel::result::Error::NotFound => Ok(None),
        e => Err(e),
    })
    .map_err(unavailable)?;
    Ok(match found {
        Some(d) => HttpResponse::Ok().json(Item {
            data: Full {
                summary: d.article.into(),
                body_markdown: d.body_markdown,
                body_html: d.body_html,
            },
        }),
        None => HttpResponse::NotFound().finish(),
    })
}

#[derive(Deserialize)]
struct ListParams {
    category: Option<String>,
    tag: Option<String>,
}

/// Page 1 of the public list (20 newest), optionally of one category or tag, with its total
/// counted as the service counts it, in one statement.
#[get("/articles")]
async fn list(
    pool: web::Data<DbPool>,
    params: web::Query<ListParams>,
) -> actix_web::Result<HttpResponse> {
    let mut conn = pool.get().await.map_err(unavailable)?;
    let params = params.into_inner();
    let rows: Vec<ListRow> = Prepared {
        sql: &LIST,
        params: vec![
            Param::MaybeText(params.category),
            Param::MaybeText(params.tag),
            Param::Time(Utc::now()),
        ],
    }
    .load(&mut conn)
    .await
    .map_err(unavailable)?;
    let total = <[ListRow]>::first(&rows).map_or(0, |r| r.total);
    let more = rows.len() > 20;
    let data: Vec<Summary> = rows
        .into_iter()
        .take(20)
        .map(|r| r.article.into())
        .collect();
    Ok(HttpResponse::Ok().json(Page {
        meta: Meta {
            limit: 20,
            next_cursor: more.then(|| "more".to_owned()),
            total,
        },
        data,
    }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names the bench database");
    let addr = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:8090".into());
    // As large as the service's default pool (16); connections used as they come.
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::new_with_config(url, config);
    let pool = Pool::builder(manager)
        .max_size(16)
        .wait_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .expect("the pool builds");
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .service(detail)
            .service(list)
    })
    .workers(workers)
    .bind(addr)?
    .run()
    .await
}

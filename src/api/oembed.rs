//! `GET /oembed`: an oEmbed 1.0 provider (oembed.com), so a CMS that is given the address of an
//! article, a staffing chart or the projection shows the matching widget. Only addresses of this
//! service (and of `ARTICLE_URL_TEMPLATE`'s pages) are answered; nothing is ever fetched.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::Utc;
use maud::html;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Query;
use super::responses::{NotModified, Unavailable};
use crate::domain::Slug;
use crate::errors::{ApiError, ApiResult, Problem, QueryResultExt, Validator};
use crate::http::cache::json_ok;
use crate::http::links::SiteLinks;
use crate::models::{article, staffing};
use crate::state::AppState;

/// How long a consumer may keep an answer, in seconds.
const CACHE_AGE: u64 = 3600;
const NOT_OURS: &str = "This address is not one of ours, or nothing here can be embedded from it.";

/// An oEmbed request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OembedParams {
    /// The address of an article's page, a staffing chart or widget, the projection, or the
    /// timeline widget of this service.
    #[param(required = true, max_length = 2048)]
    pub url: Option<String>,
    /// The widest the consumer can show, in pixels.
    #[param(minimum = 1, maximum = 10000)]
    pub maxwidth: Option<u32>,
    /// The tallest the consumer can show, in pixels.
    #[param(minimum = 1, maximum = 10000)]
    pub maxheight: Option<u32>,
    /// `json` (the default). `xml`, which oEmbed also names, is answered 501 Not Implemented as
    /// the oEmbed specification asks of a provider that does not offer it.
    #[param(schema_with = json_only)]
    pub format: Option<OembedFormat>,
}

/// The one format offered, as the document states it.
fn json_only() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["json"]))
        .build()
}

/// The formats oEmbed names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OembedFormat {
    Json,
    Xml,
}

impl OembedParams {
    /// The address and the size limits, or a 400 naming what is wrong (501 for XML).
    fn check(self) -> ApiResult<(String, Option<u32>, Option<u32>)> {
        if self.format == Some(OembedFormat::Xml) {
            return Err(ApiError::NotImplemented(
                "Only `format=json` is offered.".into(),
            ));
        }
        let mut v = Validator::default();
        let url = v.require(
            "url",
            self.url.map(|u| {
                if u.chars().count() <= 2048 {
                    Ok(u)
                } else {
                    Err("must be at most 2048 characters".to_owned())
                }
            }),
        );
        for (field, value) in [("maxwidth", self.maxwidth), ("maxheight", self.maxheight)] {
            if value.is_some_and(|x| !(1..=10000).contains(&x)) {
                v.push(field, "must be from 1 to 10000");
            }
        }
        v.finish()?;
        Ok((
            url.expect("a missing url was recorded above"),
            self.maxwidth,
            self.maxheight,
        ))
    }
}

/// An oEmbed `rich` answer: an iframe of the widget.
#[derive(Debug, Serialize, ToSchema)]
pub struct Oembed {
    #[schema(example = "1.0")]
    pub version: String,
    #[schema(example = "rich")]
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub provider_name: String,
    pub provider_url: String,
    /// The iframe to paste.
    pub html: String,
    pub width: u32,
    pub height: u32,
    pub cache_age: u64,
}

/// What an address embeds as: the widget's path, its title and its natural size.
struct Embeddable {
    widget: String,
    title: String,
    size: (u32, u32),
}

/// The oEmbed answer for an address of this service: an iframe of its widget, at its natural
/// size or smaller to fit `maxwidth` and `maxheight`.
#[utoipa::path(
    operation_id = "getOembed",
    tag = "Embeds",
    params(OembedParams),
    responses(
        (status = 200, description = "The embed", body = Oembed, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 400, description = "A bad parameter, named in `errors`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not an address of this service, or nothing to embed there", body = Problem, content_type = "application/problem+json"),
        (status = 501, description = "`format=xml`: only JSON is offered", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/oembed")]
pub async fn oembed(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: Query<OembedParams>,
) -> ApiResult<HttpResponse> {
    let (url, maxwidth, maxheight) = params.0.check()?;
    let mut conn = state.pool.get().await?;
    let found = embeddable(&mut conn, &state, &url).await?;
    let size = (
        maxwidth.map_or(found.size.0, |w| w.min(found.size.0)),
        maxheight.map_or(found.size.1, |h| h.min(found.size.1)),
    );
    Ok(json_ok(&req, &Oembed::of(found, size, &state.links)))
}

impl Oembed {
    /// The `rich` answer for `found`: an iframe of its widget at `(width, height)`, written by a
    /// template (the title escaped).
    fn of(found: Embeddable, (width, height): (u32, u32), links: &SiteLinks) -> Self {
        let src = links.ours(&found.widget);
        let iframe = html! {
            iframe src=(src) title=(found.title) width=(width) height=(height) style="border:0"
                loading="lazy" {}
        };
        Self {
            version: "1.0".into(),
            type_: "rich".into(),
            title: found.title,
            provider_name: "Perfusion Partners".into(),
            provider_url: links.ours("/"),
            html: iframe.into_string(),
            width,
            height,
            cache_age: CACHE_AGE,
        }
    }
}

/// What `url` embeds as; a 404 for anything that is not ours or not embeddable.
async fn embeddable(
    conn: &mut diesel_async::AsyncPgConnection,
    state: &AppState,
    url: &str,
) -> ApiResult<Embeddable> {
    let not_ours = || ApiError::NotFound(NOT_OURS.into());
    let (path, query) = state.links.path_of(url).ok_or_else(not_ours)?;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["articles", slug] | ["embed", "articles", slug] => {
            let slug = Slug::parse(slug).map_err(|_| not_ours())?;
            let found = article::find(conn, slug.as_str(), Some(Utc::now())).await?;
            let (row, _) = found.ok_or_else(not_ours)?;
            Ok(Embeddable {
                widget: format!("/embed/articles/{}", row.slug),
                title: row.title,
                size: (360, 420),
            })
        }
        ["api", "v1", "staffing-statistics", key, "chart.svg"]
        | ["embed", "staffing-statistics", key] => {
            let metric = staffing::find_metric(conn, key).await.or_404(NOT_OURS)?;
            Ok(Embeddable {
                widget: format!("/embed/staffing-statistics/{}", metric.key),
                title: metric.label,
                size: (320, 300),
            })
        }
        ["api", "v1", "workforce", "projection" | "projection.svg"]
        | ["embed", "workforce", "projection"] => Ok(Embeddable {
            // The same projection: its parameters go along (the widget checks them).
            widget: match query {
                Some(q) => format!("/embed/workforce/projection?{q}"),
                None => "/embed/workforce/projection".into(),
            },
            title: "Perfusionist supply and demand".into(),
            size: (600, 440),
        }),
        ["embed", "history-events"] => Ok(Embeddable {
            widget: "/embed/history-events".into(),
            title: "The history of perfusion".into(),
            size: (600, 500),
        }),
        _ => Err(not_ours()),
    }
}

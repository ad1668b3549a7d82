//! `GET /api/v1/articles/{slug}`: one article, or a 301 from a slug it had before.

use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::representation::{location, optional_user, Article, NO_ARTICLE};
use crate::api::extract::SlugParam;
use crate::api::responses::{NotModified, Unavailable};
use crate::http::{
    cache::{json_ok, PRIVATE_CACHE_CONTROL, PUBLIC_CACHE_CONTROL},
    envelope::Item,
};
use crate::{
    errors::{ApiError, ApiResult, Problem},
    models::article,
    state::AppState,
};

/// One article. A slug the article had before a rename answers 301 to the current one.
///
/// Without a token only published articles (and scheduled ones whose time has come) exist;
/// with an editor's or admin's token, any article.
#[utoipa::path(
    operation_id = "getArticle",
    tag = "Articles",
    params(("slug" = String, Path, description = "The article's slug")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The article", body = Item<Article>, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 301, description = "Renamed: `Location` has its current address", headers(("Location" = String))),
        (status = 401, description = "A bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No article with this slug", body = Problem, content_type = "application/problem+json"),
        NotModified,
        Unavailable,
    )
)]
#[get("/api/v1/articles/{slug}")]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<SlugParam>,
) -> ApiResult<HttpResponse> {
    let user = optional_user(&req).await?;
    let now = Utc::now();
    let public_at = if user.is_some() { None } else { Some(now) };
    let mut conn = state.pool.get().await?;
    if let Some((row, decoration)) = article::find(&mut conn, &slug, public_at).await? {
        return Ok(json_ok(
            &req,
            &Item::new(Article::new(row, decoration, now)),
        ));
    }
    match article::find_redirect(&mut conn, &slug, public_at).await? {
        Some(current) => Ok(moved(&location(&current), user.is_some())),
        None => Err(ApiError::NotFound(NO_ARTICLE.into())),
    }
}

/// A 301 to an article's current address, cached like the article would be.
fn moved(location: &str, private: bool) -> HttpResponse {
    let cache_control = if private {
        PRIVATE_CACHE_CONTROL
    } else {
        PUBLIC_CACHE_CONTROL
    };
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .finish()
}

//! The one route table. [`configure`] registers every handler and, through utoipa-actix-web,
//! its OpenAPI operation: a route cannot exist without its documentation.

pub mod admin_subscribers;
pub mod admin_users;
pub mod articles;
pub mod audit;
pub mod audit_log;
pub mod auth;
pub mod categories;
pub mod certification;
pub mod chains;
pub mod charts;
pub mod embeds;
pub mod extract;
pub mod feeds;
pub mod fields;
pub mod health;
pub mod history_events;
pub mod html;
pub mod oembed;
pub mod practice;
pub mod problems;
pub mod responses;
pub mod schemas;
pub mod staffing;
pub mod subscriptions;
pub mod webhooks;
pub mod workforce;

use actix_web::{web, HttpRequest};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{errors::ApiError, http::methods::RouteTable};

/// The route table, written once: [`configure`] registers it with its OpenAPI operations (for
/// the document), [`configure_workers`] registers the same services on plain actix (what each
/// worker runs, so no worker rebuilds the document).
macro_rules! route_table {
    ($cfg:expr) => {
        $cfg.service(health::live)
            .service(health::ready)
            .service(health::metrics)
            .service(health::openapi_json)
            .service(problems::show)
            .service(feeds::rss)
            .service(feeds::atom)
            .service(feeds::json)
            .service(auth::issue_token)
            .service(auth::change_password)
            .service(auth::sign_out_everywhere)
            .service(articles::list::list)
            .service(articles::write::create)
            .service(articles::show::show)
            .service(articles::write::replace)
            .service(articles::write::update)
            .service(articles::write::remove)
            .service(articles::page::page)
            .service(categories::list)
            .service(categories::create)
            .service(categories::show)
            .service(categories::update)
            .service(categories::remove)
            .service(categories::tags)
            .service(history_events::list)
            .service(history_events::create)
            .service(history_events::show)
            .service(history_events::replace)
            .service(history_events::update)
            .service(history_events::remove)
            .service(staffing::list)
            .service(staffing::show)
            .service(staffing::add_observation)
            .service(staffing::show_observation)
            .service(staffing::update_observation)
            .service(staffing::remove_observation)
            .service(workforce::projection)
            .service(charts::projection_chart)
            .service(charts::staffing_chart)
            .service(embeds::staffing_figure)
            .service(embeds::projection)
            .service(embeds::history)
            .service(embeds::articles)
            .service(embeds::article)
            .service(embeds::gallery)
            .service(embeds::subscribe::form)
            .service(embeds::subscribe::submit)
            .service(oembed::oembed)
            .service(certification::pathway::show)
            .service(certification::pathway::create_step)
            .service(certification::pathway::show_step)
            .service(certification::pathway::update_step)
            .service(certification::pathway::remove_step)
            .service(certification::programs::list)
            .service(certification::programs::create)
            .service(certification::programs::show)
            .service(certification::programs::update)
            .service(certification::programs::remove)
            .service(certification::licensure::list)
            .service(certification::licensure::show)
            .service(certification::licensure::update)
            .service(practice::practice)
            .service(practice::create_type)
            .service(practice::show_type)
            .service(practice::update_type)
            .service(practice::remove_type)
            .service(practice::create_step)
            .service(practice::show_step)
            .service(practice::update_step)
            .service(practice::remove_step)
            .service(subscriptions::sign_up)
            .service(subscriptions::confirm)
            .service(subscriptions::unsubscribe)
            .service(subscriptions::preferences)
            .service(subscriptions::update_preferences)
            .service(admin_subscribers::list)
            .service(admin_subscribers::export)
            .service(admin_subscribers::stats)
            .service(admin_subscribers::show)
            .service(admin_subscribers::erase)
            .service(admin_users::list)
            .service(admin_users::create)
            .service(admin_users::show)
            .service(admin_users::update)
            .service(audit_log::list)
            .service(webhooks::list)
            .service(webhooks::create)
            .service(webhooks::show)
            .service(webhooks::update)
            .service(webhooks::remove)
            .service(webhooks::rotate_secret)
            .service(webhooks::test)
            .service(webhooks::deliveries)
            .service(webhooks::retry_delivery);
    };
}

/// Every route of the service, with its OpenAPI operation: builds the document.
pub fn configure(cfg: &mut ServiceConfig) {
    route_table!(cfg);
}

/// Every route of the service, for a worker: the same table without collecting the document.
pub fn configure_workers(cfg: &mut web::ServiceConfig) {
    route_table!(cfg);
}

/// A path whose parameter could not be read (e.g. `/subscribers/stats` reaching the
/// `/subscribers/{id}` route with a DELETE): 405 when the path is a route that does not allow
/// the method, else 404.
pub fn path_error(req: &HttpRequest) -> ApiError {
    let allowed = req
        .app_data::<web::Data<RouteTable>>()
        .and_then(|t| t.allowed(req.path()));
    match allowed {
        Some(allow) if !allow.iter().any(|m| m == req.method().as_str()) => {
            ApiError::MethodNotAllowed { allow }
        }
        _ => ApiError::NotFound(format!("There is nothing at {}.", req.path())),
    }
}

/// Anything no route answered: a plain OPTIONS on a route is 204 with `Allow` (a CORS
/// preflight never gets here); another method is 405 with `Allow` when the path exists, else 404.
pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, ApiError> {
    match table.allowed(req.path()) {
        Some(allow) if req.method() == actix_web::http::Method::OPTIONS => {
            Ok(actix_web::HttpResponse::NoContent()
                .insert_header((actix_web::http::header::ALLOW, allow.join(", ")))
                .finish())
        }
        Some(allow) => Err(ApiError::MethodNotAllowed { allow }),
        None => Err(ApiError::NotFound(format!(
            "There is nothing at {}.",
            req.path()
        ))),
    }
}

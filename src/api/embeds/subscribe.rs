//! `/embed/subscribe`: a sign-up form for a partner's page that needs no script. The form posts
//! (form-encoded) to `POST /embed/subscribe`, which goes through the same double opt-in, rate
//! limits and validation as `POST /api/v1/subscriptions` and answers an HTML page with the same
//! words for every address. A hidden field that people leave empty catches simple bots.

use actix_web::{get, http::StatusCode, post, web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::EmbedParams;
use crate::api::charts::ChartStyle;
use crate::api::extract::{parse_query, read_body};
use crate::api::html::{layout, respond};
use crate::api::responses::Unavailable;
use crate::api::subscriptions::{sign_up_address, SignupInput, SIGNUP_ACCEPTED};
use crate::domain::{chart::Theme, Topic};
use crate::errors::{ApiError, FieldError, Problem, Validator};
use crate::state::AppState;

/// The name of the field people never see (and so leave empty).
const HONEYPOT: &str = "website";

/// The form's look, and the topics it offers ticked.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscribeParams {
    /// Topics ticked at first, comma-separated (default: all of them).
    pub topics: Option<String>,
    /// `light` (default) or `dark`.
    #[param(inline)]
    pub theme: Option<Theme>,
    /// Links and the button in this colour: a hex colour such as `#a4262c`.
    #[param(pattern = "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    pub accent: Option<String>,
}

/// What the form posts (`application/x-www-form-urlencoded`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubscribeForm {
    /// The address to confirm.
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: String,
    /// Blank means none.
    #[schema(inline, value_type = Option<crate::domain::BoundedText<0, 100>>)]
    pub name: Option<String>,
    /// One field a topic (repeat the name); at least one ticked.
    #[schema(min_items = 1)]
    pub topics: Vec<Topic>,
    /// Leave empty (it is hidden from people).
    pub website: Option<String>,
    /// The look the form was shown in (hidden fields): the answer page keeps it. A value that
    /// is not `light` or `dark`, or not a hex colour, gives the default look rather than an error.
    pub theme: Option<String>,
    pub accent: Option<String>,
}

/// The sign-up form.
#[utoipa::path(
    operation_id = "getSubscribeWidget",
    tag = "Embeds",
    params(SubscribeParams),
    responses(
        (status = 200, description = "The form, an HTML page for an iframe", content_type = "text/html", body = String,
        headers(("ETag" = String), ("Cache-Control" = String), ("Content-Security-Policy" = String))),
        (status = 400, description = "A bad parameter (an HTML page for browsers)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/embed/subscribe")]
pub async fn form(req: HttpRequest) -> HttpResponse {
    let page = (|| {
        let params: SubscribeParams = parse_query(req.query_string())?;
        let mut v = Validator::default();
        let ticked = params
            .topics
            .as_deref()
            .map(|t| topics(&mut v, t.split(',')));
        let look = EmbedParams {
            theme: params.theme,
            accent: params.accent,
        };
        let style = look.check(&mut v, 300, 60);
        v.finish()?;
        let style = style.expect("a bad parameter was recorded above");
        Ok(form_page(
            &style,
            &Filled::ticking(ticked.unwrap_or(Topic::ALL.to_vec())),
            &[],
        ))
    })();
    respond(&req, page)
}

/// Signs an address up from the form: the same double opt-in, limits and validation as the
/// JSON sign-up, and the same answer for every address. A form that fills the hidden field is
/// checked like any other and then answered as anyone, with nothing written.
#[utoipa::path(
    operation_id = "postSubscribeWidget",
    tag = "Embeds",
    request_body(content = SubscribeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The answer, the same words for every address (an HTML page)", content_type = "text/html", body = String),
        (status = 400, description = "A bad field: the form again, with what is wrong", content_type = "text/html", body = String),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many sign-ups from this address, or mails to this email today", body = Problem, content_type = "application/problem+json"),
        Unavailable,
    )
)]
#[post("/embed/subscribe")]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> HttpResponse {
    let filled = match read_body(payload, 4096).await {
        Ok(body) => Filled::from_form(&body),
        Err(e) => return respond(&req, Err(e)),
    };
    let style = filled.style();
    let (signup, errors) = filled.check();
    let Some(signup) = signup else {
        return page_with_status(StatusCode::BAD_REQUEST, form_page(&style, &filled, &errors));
    };
    if !filled.honeypot.is_empty() {
        return answer(&style);
    }
    match sign_up_address(&req, &state, &signup).await {
        Ok(()) => answer(&style),
        Err(e) => respond(&req, Err(e)),
    }
}

/// The words every sign-up gets.
fn answer(style: &ChartStyle) -> HttpResponse {
    let page = layout(
        "Check your mail",
        style,
        html! { main { h1 { "Check your mail" } p role="status" { (SIGNUP_ACCEPTED) } } },
    );
    page_with_status(StatusCode::OK, page)
}

/// A page about one person's sign-up: never cached.
fn page_with_status(status: StatusCode, page: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(page.into_string())
}

/// Topics named in a list; an unknown one is an error under `topics`.
fn topics<'a>(v: &mut Validator, names: impl Iterator<Item = &'a str>) -> Vec<Topic> {
    let mut out = Vec::new();
    for name in names.map(str::trim).filter(|n| !n.is_empty()) {
        match Topic::parse(name) {
            Some(t) if !out.contains(&t) => out.push(t),
            Some(_) => {}
            None => v.push("topics", format!("`{name}` is not a topic")),
        }
    }
    out
}

/// What the form holds (as typed, to show again next to its errors).
struct Filled {
    email: String,
    name: String,
    topics: Vec<Topic>,
    honeypot: String,
    look: EmbedParams,
    unknown_topics: Vec<String>,
}

impl Filled {
    fn ticking(topics: Vec<Topic>) -> Self {
        Self {
            email: String::new(),
            name: String::new(),
            topics,
            honeypot: String::new(),
            look: EmbedParams::default(),
            unknown_topics: Vec::new(),
        }
    }

    fn from_form(body: &[u8]) -> Self {
        let mut filled = Self::ticking(Vec::new());
        for (key, value) in url::form_urlencoded::parse(body) {
            match key.as_ref() {
                "email" => filled.email = value.into_owned(),
                "name" => filled.name = value.into_owned(),
                "topics" => match Topic::parse(&value) {
                    Some(t) if !filled.topics.contains(&t) => filled.topics.push(t),
                    Some(_) => {}
                    None => filled.unknown_topics.push(value.into_owned()),
                },
                HONEYPOT => filled.honeypot = value.into_owned(),
                "theme" => filled.look.theme = serde_json::from_value(value.as_ref().into()).ok(),
                "accent" => filled.look.accent = Some(value.into_owned()),
                _ => {}
            }
        }
        filled
    }

    /// The look the form was shown in (the default when the hidden fields were tampered with).
    fn style(&self) -> ChartStyle {
        let look = self.look.style(300, 60);
        look.unwrap_or_else(|_| crate::api::html::default_style())
    }

    /// The sign-up, or what is wrong with each field.
    fn check(&self) -> (Option<crate::api::subscriptions::Signup>, Vec<FieldError>) {
        let mut v = Validator::default();
        for unknown in &self.unknown_topics {
            v.push("topics", format!("`{unknown}` is not a topic"));
        }
        if self.topics.is_empty() {
            v.push("topics", "tick at least one topic");
        }
        let input = SignupInput {
            email: Some(self.email.clone()),
            name: Some(self.name.clone()).filter(|n| !n.trim().is_empty()),
            topics: Some(self.topics.clone()),
        };
        match input.parse(v) {
            Ok(signup) => (Some(signup), Vec::new()),
            Err(ApiError::Validation(errors)) => (None, errors),
            Err(e) => (None, vec![FieldError::new("email", e.to_string())]),
        }
    }
}

fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

fn form_page(style: &ChartStyle, filled: &Filled, errors: &[FieldError]) -> Markup {
    let body = html! {
        main {
            h1 { "Join the community" }
            p { "News from Perfusion Partners by mail. We send a link to confirm your address first." }
            form method="post" action="/embed/subscribe" novalidate {
                p {
                    label for="email" { "Email" }
                    br;
                    input id="email" name="email" type="email" required autocomplete="email"
                        value=(filled.email) aria-invalid=[error_for(errors, "email").map(|_| "true")]
                        aria-describedby=[error_for(errors, "email").map(|_| "email-error")];
                    @if let Some(e) = error_for(errors, "email") {
                        br; span id="email-error" class="error" { "Email " (e) }
                    }
                }
                p {
                    label for="name" { "Name (optional)" }
                    br;
                    input id="name" name="name" type="text" autocomplete="name" value=(filled.name);
                    @if let Some(e) = error_for(errors, "name") {
                        br; span class="error" { "Name " (e) }
                    }
                }
                fieldset {
                    legend { "Topics" }
                    @for topic in Topic::ALL {
                        label {
                            input type="checkbox" name="topics" value=(topic.as_str())
                                checked[filled.topics.contains(&topic)];
                            (topic.as_str())
                        }
                        br;
                    }
                    @if let Some(e) = error_for(errors, "topics") {
                        span class="error" { "Topics: " (e) }
                    }
                }
                // People do not see this field; a bot that fills it in is answered as anyone
                // and nothing is sent.
                p class="hp" aria-hidden="true" {
                    label for="website" { "Website (leave empty)" }
                    input id="website" name=(HONEYPOT) type="text" tabindex="-1" autocomplete="off";
                }
                @if let Some(theme) = filled.look.theme {
                    input type="hidden" name="theme" value=(if theme == Theme::Dark { "dark" } else { "light" });
                }
                @if let Some(accent) = &filled.look.accent {
                    input type="hidden" name="accent" value=(accent);
                }
                p { button type="submit" { "Sign up" } }
            }
        }
    };
    layout("Join the community", style, body)
}

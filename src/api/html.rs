//! Pages for people (widgets, article pages, their error pages): one page shell with the
//! theme's styles, links that open in a new tab, and errors as a small HTML page for a browser
//! or problem+json for a program. maud templates only: every text is escaped.

use actix_web::{http::header, http::StatusCode, HttpRequest, HttpResponse, ResponseError};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::charts::ChartStyle;
use crate::domain::chart::Theme;
use crate::errors::{ApiError, ApiResult};
use crate::http::cache::cached_response;

/// A widget's answer: the page, or the error as a browser or a program wants it.
pub fn respond(req: &HttpRequest, page: ApiResult<Markup>) -> HttpResponse {
    match page {
        Ok(page) => cached_response(
            req,
            StatusCode::OK,
            "text/html; charset=utf-8",
            page.into_string().into_bytes(),
            &[],
        ),
        Err(e) if wants_html(req) => error_page(&e),
        Err(e) => e.error_response(),
    }
}

/// True when the client asked for HTML (a browser in an iframe does).
pub fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"))
}

/// The error as a small HTML page (never cached), for a person looking at the widget.
pub fn error_page(e: &ApiError) -> HttpResponse {
    // The problem answer (which logs what needs logging) gives the status and its headers
    // (Retry-After, Allow, WWW-Authenticate); only the body becomes a page.
    let as_problem = e.error_response();
    let problem = e.problem();
    let style = default_style();
    let page = layout(
        &problem.title,
        &style,
        html! {
            main {
                h1 { (problem.title) }
                p { (problem.detail) }
                @if let Some(errors) = &problem.errors {
                    ul {
                        @for err in errors {
                            li { code { (err.field) } " " (err.message) }
                        }
                    }
                }
            }
        },
    );
    let mut res = HttpResponse::build(as_problem.status());
    for (name, value) in as_problem.headers() {
        if name != header::CONTENT_TYPE {
            res.insert_header((name.clone(), value.clone()));
        }
    }
    res.content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(page.into_string())
}

pub fn default_style() -> ChartStyle {
    let palette = Theme::Light.palette();
    ChartStyle {
        width: 600,
        height: 300,
        palette,
        accent: palette.default_accent.to_owned(),
        titled: false,
    }
}

/// The page around a widget: its own styles from the theme and the (validated) accent. The
/// style sheet is written from those colour values only, never from request or content text.
pub fn layout(title: &str, style: &ChartStyle, body: Markup) -> Markup {
    layout_with_head(title, style, html! {}, body)
}

/// [`layout`] with more in the head (a page's canonical link, OpenGraph, JSON-LD).
pub fn layout_with_head(title: &str, style: &ChartStyle, head: Markup, body: Markup) -> Markup {
    let p = &style.palette;
    let css = format!(
        "*{{box-sizing:border-box}}\
         body{{margin:0;padding:16px;background:{bg};color:{text};\
         font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}}\
         h1{{font-size:17px;margin:0 0 8px}}h2{{font-size:15px;margin:0}}p{{margin:0 0 8px}}\
         a{{color:{link}}}a:focus-visible{{outline:3px solid {link};outline-offset:2px}}\
         .figure{{font-size:34px;font-weight:700;line-height:1.2;margin:0}}\
         .muted{{color:{muted};font-size:13px}}\
         ol.timeline{{list-style:none;margin:0;padding:0}}\
         ol.timeline li{{border-left:3px solid {link};padding:0 0 12px 12px}}\
         ul.articles{{list-style:none;margin:0;padding:0}}ul.articles li{{margin:0 0 14px}}\
         .body img{{max-width:100%;height:auto}}main{{max-width:46rem}}\
         input[type=email],input[type=text]{{font:inherit;width:100%;max-width:22rem;padding:6px;\
         border:1px solid {muted};border-radius:4px;background:{bg};color:{text}}}\
         input:focus-visible,button:focus-visible{{outline:3px solid {link};outline-offset:2px}}\
         fieldset{{border:1px solid {muted};border-radius:4px;margin:0 0 8px}}\
         fieldset label{{display:inline-flex;align-items:center;gap:8px;min-height:32px}}\
         input[type=checkbox]{{width:24px;height:24px;margin:0}}\
         button{{font:inherit;padding:6px 16px;border:0;border-radius:4px;background:{link};\
         color:{bg};cursor:pointer}}.error{{color:{link};font-weight:600}}\
         pre{{white-space:pre-wrap;word-break:break-all;background:{grid};padding:8px;border-radius:4px}}\
         section{{margin:0 0 28px}}\
         .hp{{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}}\
         svg{{max-width:100%;height:auto;display:block}}",
        bg = p.background,
        text = p.text,
        muted = p.muted,
        link = style.accent,
        grid = p.grid,
    );
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                style { (PreEscaped(css)) }
                (head)
            }
            body { (body) }
        }
    }
}

/// A link that opens in a new tab, leaving the partner's page.
pub fn out_link(href: &str, text: &str) -> Markup {
    html! { a href=(href) target="_blank" rel="noopener noreferrer" { (text) } }
}

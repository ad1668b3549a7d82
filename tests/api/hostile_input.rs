//! Hostile input, as an attacker sends it, swept over every route of the route table.
//!
//! An attacker sends every write route an oversized body, JSON nested 10,000 deep, bytes that are
//! not UTF-8, NUL in each string field and fields no route knows; every GET route with a query
//! 10,000-character values, NUL and broken percent-encoding; SQL and script text in every string
//! field and filter; path tricks; and every method a path does not take. Each answer is a 4xx
//! problem naming what was wrong, or the text stored and returned literally (escaped wherever
//! it is rendered as HTML, SVG or XML): never a 500, never a file. And every answer, whatever it
//! is, carries the security headers and no version banner.

use std::time::Duration;

use perfusion_api::domain::{new_token, Role};
use reqwest::{header::HeaderMap, Method, Response};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{fields, TestApp, TestRequest};

/// The text an attacker puts in every field and filter.
const SQL_AND_SCRIPT: [&str; 4] = [
    "'; DROP TABLE articles; --",
    "%' OR 1=1 --",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
];

/// Markup that must never come back unescaped in a page, a chart or a feed.
const LIVE_MARKUP: [&str; 3] = ["<script>alert(1)", "alert(1)</script>", "<img src=x"];

// ---------------------------------------------------------------------------------------------
// Every answer: the security headers, no banner.
// ---------------------------------------------------------------------------------------------

/// Asserts the headers every answer carries: no sniffing, no referrer, a frame policy (only
/// widgets may be framed, and then by the partners' origins), and nothing naming the software.
fn assert_hardened(headers: &HeaderMap, what: &str) {
    let get = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap_or("?").to_owned())
    };
    assert_eq!(
        get("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        get("referrer-policy").as_deref(),
        Some("no-referrer"),
        "{what}"
    );
    let csp = get("content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors"), "{what}: CSP {csp:?}");
    if !csp.contains("frame-ancestors *") && !csp.contains("frame-ancestors http") {
        assert_eq!(get("x-frame-options").as_deref(), Some("DENY"), "{what}");
    }
    assert!(
        get("server").is_none(),
        "{what}: Server {:?}",
        get("server")
    );
    assert!(get("x-powered-by").is_none(), "{what}: X-Powered-By");
}

/// Sends `req`, checks the security headers of its answer and never a 5xx.
async fn send(req: TestRequest, what: &str) -> Response {
    let res = req.send().await;
    assert_hardened(res.headers(), what);
    assert!(
        !res.status().is_server_error(),
        "{what}: {} (never a 5xx)",
        res.status()
    );
    res
}

/// The answer's body as a problem, checked to be one.
async fn problem(res: Response, status: u16, what: &str) -> Value {
    assert_eq!(res.status(), status, "{what}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    let body = res.text().await.unwrap();
    assert_eq!(ct, "application/problem+json", "{what}: {body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], status, "{what}");
    body
}

/// An answer read off the socket: for requests no HTTP client sends as written (`..` in a path,
/// a chunked body, an unknown method).
struct RawResponse {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl RawResponse {
    /// Sends `request` (a whole HTTP/1.1 request, `Connection: close`) to the app.
    async fn send(app: &TestApp, request: &[u8]) -> Self {
        let addr = app.address.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        // The server may answer (a 413) before it has read all of the body.
        let _ = stream.write_all(request).await;
        let mut raw = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw));
        let _ = read.await.expect("the server answers within 10 s");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {text:?}"));
        let mut headers = HeaderMap::new();
        for line in lines {
            if let Some((name, value)) = line.split_once(':') {
                headers.append(
                    reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
                    value.trim().parse().unwrap(),
                );
            }
        }
        Self {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    /// `method target` with nothing else but the host.
    async fn request(app: &TestApp, method: &str, target: &str) -> Self {
        let request =
            format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Self::send(app, request.as_bytes()).await
    }

    fn assert_hardened(&self, what: &str) {
        assert_hardened(&self.headers, what);
    }
}

// ---------------------------------------------------------------------------------------------
// The write routes, with a body each accepts.
// ---------------------------------------------------------------------------------------------

/// Who a route needs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Caller {
    Public,
    Admin,
}

/// A route that takes a JSON body.
struct WriteRoute {
    method: Method,
    path: String,
    caller: Caller,
    /// A body the route accepts; `n` makes what must be unique unique.
    body: fn(usize) -> Value,
    /// Free text: any text is stored and comes back literally under `data.<field>` (when
    /// `echoes`; a tag under `data.tags[0].name`).
    text: &'static [&'static str],
    /// Other strings (slugs, addresses, dates, tokens, passwords): hostile text is refused with a
    /// 4xx naming the field, or taken without being echoed (a password).
    typed: &'static [&'static str],
    /// Whether a 2xx answer carries the stored resource under `data`.
    echoes: bool,
    /// Whether a write must send `If-Match` (the articles).
    if_match: bool,
}

impl WriteRoute {
    fn what(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn every_string_field(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.text.iter().chain(self.typed).copied()
    }

    /// The largest body the route takes: articles 512 KiB, the one-click unsubscribe (which
    /// also takes a form) 4 KiB, every other route the app's 64 KiB.
    fn body_limit(&self) -> usize {
        if self.path.starts_with("/api/v1/articles") {
            512 * 1024
        } else if self.path == "/api/v1/subscriptions/unsubscribe" {
            4 * 1024
        } else {
            64 * 1024
        }
    }
}

/// What the seed data holds, to fill the routes' parameters.
struct Seed {
    admin: String,
    article: String,
    event: String,
    category: String,
    metric: String,
    observation: i64,
    certification_step: i64,
    program: i64,
    practice_step: i64,
    user: i64,
    subscriber: i64,
    /// A subscriber's manage token, as a mail's link carries it.
    manage_token: String,
}

impl Seed {
    async fn read(app: &TestApp) -> Self {
        let admin = app.token(Role::Admin).await;
        let first = async |list: &str, field: &str| -> Value {
            let body = app.get(list).token(&admin).send_json().await;
            body["data"][0][field].clone()
        };
        let text = |v: Value| v.as_str().unwrap().to_owned();
        let pathway = app.get("/api/v1/certification").send_json().await;
        let practice = app.get("/api/v1/practice").send_json().await;
        let (user, _) = app.create_user(Role::Editor).await;
        let (subscriber, manage_token) = subscriber_with_manage_token(app).await;
        Self {
            article: text(first("/api/v1/articles", "slug").await),
            event: text(first("/api/v1/history-events", "slug").await),
            category: text(first("/api/v1/categories", "slug").await),
            metric: text(first("/api/v1/staffing-statistics", "key").await),
            observation: first("/api/v1/staffing-statistics", "observation_id")
                .await
                .as_i64()
                .unwrap(),
            certification_step: pathway["data"]["steps"][0]["id"].as_i64().unwrap(),
            program: program(app, &admin).await,
            practice_step: practice["data"]["steps"][0]["id"].as_i64().unwrap(),
            user,
            subscriber,
            manage_token,
            admin,
        }
    }

    /// `path` with its parameters filled from the seed.
    fn fill(&self, path: &str) -> String {
        path.replace("/articles/{slug}", &format!("/articles/{}", self.article))
            .replace(
                "/history-events/{slug}",
                &format!("/history-events/{}", self.event),
            )
            .replace(
                "/categories/{slug}",
                &format!("/categories/{}", self.category),
            )
            .replace("{key}", &self.metric)
            .replace(
                "/observations/{id}",
                &format!("/observations/{}", self.observation),
            )
            .replace(
                "/certification/steps/{id}",
                &format!("/certification/steps/{}", self.certification_step),
            )
            .replace("/programs/{id}", &format!("/programs/{}", self.program))
            .replace("/licensure/{state}", "/licensure/OR")
            .replace("/practice/types/{slug}", "/practice/types/ecmo")
            .replace(
                "/practice/steps/{id}",
                &format!("/practice/steps/{}", self.practice_step),
            )
            .replace("/admin/users/{id}", &format!("/admin/users/{}", self.user))
            .replace(
                "/admin/subscribers/{id}",
                &format!("/admin/subscribers/{}", self.subscriber),
            )
            .replace(
                "/embed/articles/{slug}",
                &format!("/embed/articles/{}", self.article),
            )
            .replace(
                "/embed/staffing-statistics/{key}",
                &format!("/embed/staffing-statistics/{}", self.metric),
            )
            .replace("/problems/{code}", "/problems/not_found")
            .replace("/admin/webhooks/{id}", "/admin/webhooks/1")
            .replace("{delivery_id}", "1")
    }

    /// Every route that takes a JSON body, with a body it accepts.
    fn write_routes(&self) -> Vec<WriteRoute> {
        let route = |method: Method, path: &str, caller, body, text, typed, echoes| WriteRoute {
            method,
            path: self.fill(path),
            caller,
            body,
            text,
            typed,
            echoes,
            if_match: false,
        };
        use Caller::{Admin, Public};
        let article = |n: usize| {
            json!({"title": format!("Article {n}"), "body_markdown": "Body.", "category": "perfusion-research",
                "excerpt": "Excerpt.", "featured_image_alt": "Alt.", "tags": ["tag"]})
        };
        let event = |n: usize| json!({"title": format!("Event {n}"), "summary": "Summary.", "year": 1990, "people": ["Pat"]});
        let category = |n: usize| json!({"name": format!("Category {n}"), "slug": format!("category-{n}"), "description": "Description."});
        let observation =
            |_| json!({"value": 4600, "source": "Source", "note": "Note.", "as_of": "2025-01-01"});
        let step = |n: usize| json!({"title": format!("Step {n}"), "detail": "Detail."});
        let program = |n: usize| json!({"name": format!("Program {n}"), "institution": "Institution", "city": "Omaha", "degree": "MS"});
        let practice_type = |n: usize| json!({"name": format!("Type {n}"), "slug": format!("type-{n}"), "summary": "Summary."});
        let licensure = |_| json!({"note": "Note."});
        let user = |n: usize| json!({"email": format!("user-{n}@example.org"), "password": "a long enough password", "role": "editor", "display_name": "User"});
        let user_patch = |_| json!({"display_name": "User"});
        let login =
            |_| json!({"email": "nobody@example.org", "password": "a long enough password"});
        let sign_up =
            |n: usize| json!({"email": format!("reader-{n}@example.org"), "name": "Reader"});
        let token = |_| json!({"token": "A".repeat(43)});
        let preferences = |_| json!({"name": "Reader"});
        let mut routes = vec![
            route(
                Method::POST,
                "/api/v1/articles",
                Admin,
                article,
                &[
                    "title",
                    "body_markdown",
                    "excerpt",
                    "featured_image_alt",
                    "tags",
                ],
                &[
                    "category",
                    "slug",
                    "featured_image_url",
                    "published_at",
                    "status",
                ],
                true,
            ),
            route(
                Method::PUT,
                "/api/v1/articles/{slug}",
                Admin,
                article,
                &["title", "body_markdown", "excerpt", "featured_image_alt"],
                &[
                    "category",
                    "slug",
                    "featured_image_url",
                    "published_at",
                    "status",
                ],
                true,
            ),
            route(
                Method::PATCH,
                "/api/v1/articles/{slug}",
                Admin,
                |_| json!({"title": "Retitled"}),
                &["title", "body_markdown", "excerpt", "featured_image_alt"],
                &[
                    "category",
                    "slug",
                    "featured_image_url",
                    "published_at",
                    "status",
                ],
                true,
            ),
            route(
                Method::POST,
                "/api/v1/history-events",
                Admin,
                event,
                &["title", "summary", "people"],
                &["slug", "source_url"],
                true,
            ),
            route(
                Method::PUT,
                "/api/v1/history-events/{slug}",
                Admin,
                event,
                &["title", "summary", "people"],
                &["slug", "source_url"],
                true,
            ),
            route(
                Method::PATCH,
                "/api/v1/history-events/{slug}",
                Admin,
                |_| json!({"title": "Retitled"}),
                &["title", "summary", "people"],
                &["slug", "source_url"],
                true,
            ),
            route(
                Method::POST,
                "/api/v1/categories",
                Admin,
                category,
                &["name", "description"],
                &["slug"],
                true,
            ),
            route(
                Method::PATCH,
                "/api/v1/categories/{slug}",
                Admin,
                |_| json!({"description": "Described."}),
                &["name", "description"],
                &["slug"],
                true,
            ),
            route(
                Method::POST,
                "/api/v1/staffing-statistics/{key}/observations",
                Admin,
                observation,
                &["source", "note"],
                &["source_url", "as_of", "retrieved_at"],
                true,
            ),
            route(
                Method::PATCH,
                "/api/v1/staffing-statistics/{key}/observations/{id}",
                Admin,
                |_| json!({"note": "Noted."}),
                &["source", "note"],
                &["source_url", "as_of", "retrieved_at"],
                true,
            ),
            route(
                Method::POST,
                "/api/v1/certification/steps",
                Admin,
                step,
                &["title", "detail"],
                &["source_url"],
                true,
            ),
            route(
                Method::PATCH,
                "/api/v1/certification/steps/{id}",
                Admin,
                step,
                &["title", "detail"],
                &["source_url"],
                true,
            ),
            route(
                Method::POST,
                "/api/v1/certification/programs",
                Admin,
                program,
                &["name", "institution", "city", "degree"],
                &["state", "url", "accreditation_status"],
                true,
            ),
            route(
                Method::PATCH,
                "/api/v1/certification/programs/{id}",
                Admin,
                program,
                &["name", "institution", "city", "degree"],
                &["state", "url", "accreditation_status"],
                true,
            ),
            route(
                Method::PATCH,
                "/api/v1/certification/licensure/{state}",
                Admin,
                licensure,
                &["note"],
                &["source_url", "as_of", "license_required"],
                true,
            ),
            route(
                Method::POST,
                "/api/v1/practice/types",
                Admin,
                practice_type,
                &["name", "summary"],
                &["slug", "source_url"],
                true,
            ),
            route(
                Method::PATCH,
                "/api/v1/practice/types/{slug}",
                Admin,
                |_| json!({"summary": "Summed up."}),
                &["name", "summary"],
                &["slug", "source_url"],
                true,
            ),
            route(
                Method::POST,
                "/api/v1/practice/steps",
                Admin,
                step,
                &["title", "detail"],
                &[],
                true,
            ),
            route(
                Method::PATCH,
                "/api/v1/practice/steps/{id}",
                Admin,
                step,
                &["title", "detail"],
                &[],
                true,
            ),
            route(
                Method::POST,
                "/api/v1/admin/users",
                Admin,
                user,
                &["display_name"],
                &["email", "password", "role"],
                true,
            ),
            route(
                Method::PATCH,
                "/api/v1/admin/users/{id}",
                Admin,
                user_patch,
                &["display_name"],
                &["password", "role"],
                true,
            ),
            route(
                Method::POST,
                "/api/v1/auth/token",
                Public,
                login,
                &[],
                &["email", "password"],
                false,
            ),
            // Never the right current password: the admin's tokens must outlive the sweep.
            route(
                Method::PUT,
                "/api/v1/auth/password",
                Admin,
                |_| json!({"current_password": "not the password", "new_password": "a long enough new password"}),
                &[],
                &["current_password", "new_password"],
                false,
            ),
            route(
                Method::POST,
                "/api/v1/subscriptions",
                Public,
                sign_up,
                &["name"],
                &["email", "topics"],
                false,
            ),
            route(
                Method::POST,
                "/api/v1/subscriptions/confirm",
                Public,
                token,
                &[],
                &["token"],
                false,
            ),
            route(
                Method::POST,
                "/api/v1/subscriptions/unsubscribe",
                Public,
                token,
                &[],
                &["token"],
                false,
            ),
            route(
                Method::PUT,
                &format!(
                    "/api/v1/subscriptions/preferences?token={}",
                    self.manage_token
                ),
                Public,
                preferences,
                &["name"],
                &["topics"],
                true,
            ),
        ];
        for r in &mut routes {
            r.if_match = r.path.starts_with("/api/v1/articles/");
        }
        routes
    }

    /// A request to `route` as its caller, with `If-Match` when it needs one.
    async fn request(&self, app: &TestApp, route: &WriteRoute) -> TestRequest {
        let mut req = app.request(route.method.clone(), &route.path);
        if route.caller == Caller::Admin {
            req = req.token(&self.admin);
        }
        if route.if_match {
            let current = app.get(&route.path).token(&self.admin).send().await;
            let etag = current.headers()["etag"].to_str().unwrap().to_owned();
            req = req.if_match(&etag);
        }
        req
    }
}

/// A program (the seed has none).
async fn program(app: &TestApp, admin: &str) -> i64 {
    let body = json!({"name": "Perfusion Science", "institution": "A University"});
    let res = app
        .post("/api/v1/certification/programs")
        .token(admin)
        .json(&body)
        .send()
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["data"]["id"]
        .as_i64()
        .unwrap()
}

/// A confirmed subscriber and a manage token of theirs (what a welcome mail's link carries).
async fn subscriber_with_manage_token(app: &TestApp) -> (i64, String) {
    use diesel::sql_types::{BigInt, Bytea, Text};
    use diesel_async::RunQueryDsl;
    let res = app
        .post("/api/v1/subscriptions")
        .json(&json!({"email": "kept@example.org", "name": "Kept"}))
        .send()
        .await;
    assert_eq!(res.status(), 202);
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let (token, hash) = new_token();
    let mut conn = app.conn().await;
    let Id { id } = diesel::sql_query(
        "UPDATE subscribers SET status = 'confirmed', confirmed_at = now() \
         WHERE email = $1 RETURNING id",
    )
    .bind::<Text, _>("kept@example.org")
    .get_result(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(
        "INSERT INTO subscriber_tokens (token_hash, subscriber_id, purpose) VALUES ($1, $2, 'manage')",
    )
    .bind::<Bytea, _>(hash.to_vec())
    .bind::<BigInt, _>(id)
    .execute(&mut conn)
    .await
    .unwrap();
    (id, token)
}

/// `body` with `field` set to `value` (in a list, when the field holds one).
fn with_field(mut body: Value, field: &str, value: &str) -> Value {
    let list = matches!(field, "tags" | "people" | "topics");
    body[field] = if list { json!([value]) } else { json!(value) };
    body
}

/// Where people reach the app: over https, as in production.
const BASE: &str = "https://api.perfusion.example";

/// An app whose rate limits do not get in a sweep's way, reached at [`BASE`].
async fn app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.signups_per_minute = 1_000_000;
        s.login_failures_per_window = 1_000_000;
        s.public_base_url = BASE.into();
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Bodies.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_attacker_sending_an_oversized_body_to_every_write_route_gets_a_413_problem() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    for route in seed.write_routes() {
        let what = route.what();
        let limit = route.body_limit();
        let huge = with_field(
            (route.body)(1),
            route.text.first().unwrap_or(&"name"),
            &"x".repeat(limit),
        );
        let body = serde_json::to_vec(&huge).unwrap();
        // Declared up front, and sent in chunks without a length (If-Match left out: the body
        // is refused before it is looked at).
        let declared = seed.request(&app, &route).await.json(&huge);
        let res = send(declared, &what).await;
        assert_eq!(problem(res, 413, &what).await["code"], "payload_too_large");
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\nConnection: close\r\n",
            route.method, route.path
        );
        if route.caller == Caller::Admin {
            head.push_str(&format!("Authorization: Bearer {}\r\n", seed.admin));
        }
        let mut raw = head.into_bytes();
        raw.extend_from_slice(b"\r\n");
        for chunk in body.chunks(16 * 1024) {
            raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            raw.extend_from_slice(chunk);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
        let what = format!("{what} (chunked, no length)");
        let res = RawResponse::send(&app, &raw).await;
        res.assert_hardened(&what);
        assert_eq!(res.status, 413, "{what}: {}", res.body);
    }
}

#[tokio::test]
async fn an_attacker_nesting_json_10000_deep_gets_a_400_and_the_service_keeps_answering() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    let list = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let object = |depth: usize| format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    // 10,000 deep, and deep enough to overflow a naive parser yet small enough for any route.
    let deep = [list(10_000), object(10_000), list(1_500), object(600)];
    for route in seed.write_routes() {
        let field = route.every_string_field().next().unwrap();
        for deep in &deep {
            for body in [deep.clone(), format!(r#"{{"{field}": {deep}}}"#)] {
                let what = format!("{} with JSON {} bytes deep", route.what(), body.len());
                // Past the route's limit it is refused for its size before it is parsed.
                let status = if body.len() > route.body_limit() {
                    413
                } else {
                    400
                };
                let req = seed.request(&app, &route).await;
                let req = req.header("content-type", "application/json").body(body);
                let res = send(req, &what).await;
                problem(res, status, &what).await;
            }
        }
    }
    let health = app.get("/health/live").send().await;
    assert_eq!(health.status(), 200, "no stack overflowed");
}

#[tokio::test]
async fn an_attacker_sending_bytes_that_are_not_utf8_gets_a_400() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    for route in seed.write_routes() {
        for field in route.every_string_field() {
            let mut body = format!(r#"{{"{field}": ""#).into_bytes();
            body.extend_from_slice(b"\xff\xfe\xc0\xaf");
            body.extend_from_slice(b"\"}");
            let what = format!("{} with {field} not UTF-8", route.what());
            let req = seed.request(&app, &route).await;
            let req = req.header("content-type", "application/json").body(body);
            let res = send(req, &what).await;
            problem(res, 400, &what).await;
        }
    }
}

#[tokio::test]
async fn an_attacker_putting_nul_in_any_string_field_gets_a_400_naming_it() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    for route in seed.write_routes() {
        for (n, field) in route.every_string_field().enumerate() {
            let what = format!("{} with NUL in {field}", route.what());
            let body = with_field((route.body)(n), field, "bad\u{0}text");
            let req = seed.request(&app, &route).await.json(&body);
            let res = send(req, &what).await;
            let status = res.status().as_u16();
            if route.path.starts_with("/api/v1/auth/") && status == 401 {
                // No such user, or not their password: nothing was stored or compared with the NUL.
                continue;
            }
            if field == "token" {
                // A mail's token that cannot be one is the documented generic 404 ("unknown or
                // malformed token", as an unknown one): the NUL is refused before any query.
                assert_eq!(problem(res, 404, &what).await["code"], "not_found");
                continue;
            }
            let problem = problem(res, 400, &what).await;
            assert!(
                fields(&problem)
                    .iter()
                    .any(|f| f == field || f.starts_with(&format!("{field}["))),
                "{what}: {problem}"
            );
        }
    }
}

#[tokio::test]
async fn an_attacker_adding_fields_no_route_knows_gets_a_400_naming_them() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    for route in seed.write_routes() {
        let what = format!("{} with unknown fields", route.what());
        let mut body = (route.body)(1);
        body["is_admin"] = json!(true);
        body["<script>"] = json!("x");
        let req = seed.request(&app, &route).await.json(&body);
        let problem = problem(send(req, &what).await, 400, &what).await;
        let named = fields(&problem);
        for field in ["is_admin", "<script>"] {
            assert!(named.iter().any(|f| f == field), "{what}: {problem}");
        }
    }
}

#[tokio::test]
async fn sql_and_script_text_in_every_string_field_is_stored_literally_or_refused_by_name() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    let mut n = 100;
    for route in seed.write_routes() {
        for field in route.every_string_field() {
            for hostile in SQL_AND_SCRIPT {
                n += 1;
                // Free text is made unique (a category's name must be), the attack left whole.
                let free = route.text.contains(&field);
                let hostile: &str = &if free {
                    format!("{hostile} {n}")
                } else {
                    hostile.to_owned()
                };
                let what = format!("{} with {field} = {hostile}", route.what());
                let body = with_field((route.body)(n), field, hostile);
                let req = seed.request(&app, &route).await.json(&body);
                let res = send(req, &what).await;
                let status = res.status();
                let text = res.text().await.unwrap();
                if free {
                    assert!(
                        status.is_success(),
                        "{what}: free text is taken: {status} {text}"
                    );
                } else if status.is_success() {
                    // A typed field that took the text (a password) never shows it.
                    assert!(!text.contains(hostile), "{what}: {text}");
                    continue;
                } else {
                    assert!(status.is_client_error(), "{what}: {status}");
                    let problem: Value = serde_json::from_str(&text).unwrap();
                    if status == 400 {
                        let named = fields(&problem);
                        assert!(
                            named.iter().any(|f| f.starts_with(field)),
                            "{what}: {problem}"
                        );
                    }
                    continue;
                }
                if route.echoes {
                    let data = &serde_json::from_str::<Value>(&text).unwrap()["data"];
                    // A list of text, or of tags whose `name` is the text.
                    let stored = match &data[field] {
                        Value::Array(items) if items[0].is_object() => items[0]["name"].clone(),
                        Value::Array(items) => items[0].clone(),
                        v => v.clone(),
                    };
                    assert_eq!(stored, hostile, "{what}: returned literally");
                }
            }
        }
    }
    // The tables are all still there.
    for path in [
        "/api/v1/articles",
        "/api/v1/history-events",
        "/api/v1/categories",
    ] {
        app.get(path).send_json().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Query strings.
// ---------------------------------------------------------------------------------------------

/// Every GET route of the document, filled from the seed, with its query parameters.
async fn get_routes(app: &TestApp, seed: &Seed) -> Vec<(String, Vec<String>)> {
    let spec = app.get("/openapi.json").send_json().await;
    let mut routes = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let params = get["parameters"].as_array().cloned().unwrap_or_default();
        let query = params
            .iter()
            .map(|p| match p["$ref"].as_str() {
                Some(r) => spec["components"]["parameters"][r.rsplit('/').next().unwrap()].clone(),
                None => p.clone(),
            })
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        routes.push((seed.fill(path), query));
    }
    routes
}

/// Whether a body is rendered markup (a page, a chart, a feed) rather than JSON or CSV.
fn is_markup(headers: &HeaderMap) -> bool {
    let ct = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    ["html", "svg", "xml"].iter().any(|kind| ct.contains(kind))
}

fn assert_no_live_markup(body: &str, what: &str) {
    for markup in LIVE_MARKUP {
        assert!(
            !body.contains(markup),
            "{what}: {markup} is not escaped in {body}"
        );
    }
}

/// Whether `status` is an acceptable answer to a hostile query on `path`: anything but a 5xx,
/// except oEmbed's 501 for a format it does not offer (as oEmbed asks).
fn acceptable(path: &str, status: u16) -> bool {
    status < 500 || (path == "/oembed" && status == 501)
}

#[tokio::test]
async fn an_attacker_filling_every_query_parameter_with_junk_gets_a_4xx_or_an_answer_never_a_500() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let long = "a".repeat(10_000);
    let mut values: Vec<String> = vec![
        long,
        "%00".into(),
        "a%00b".into(),
        "%ZZ".into(),
        "%".into(),
        "%FF%FE%C0%AF".into(),
    ];
    values.extend(SQL_AND_SCRIPT.iter().map(|s| encode(s)));
    let many_unknown = (0..1500)
        .map(|i| format!("p{i}=1"))
        .collect::<Vec<_>>()
        .join("&");
    assert!(many_unknown.len() >= 10_000);
    let mut sent = 0;
    for (path, params) in get_routes(&app, &seed).await {
        let mut queries: Vec<String> = vec![
            many_unknown.clone(),
            "a".repeat(10_000),
            "limit=1&".repeat(1000),
        ];
        for param in &params {
            queries.extend(values.iter().map(|v| format!("{param}={v}")));
        }
        if path == "/oembed" {
            // oEmbed's own parameter is an address: junk after a real one too.
            let article = format!("{BASE}/articles/{}", seed.article);
            queries.extend(
                values
                    .iter()
                    .map(|v| format!("url={}{v}", encode(&article))),
            );
        }
        for query in queries {
            let what = format!("GET {path}?{}", &query[..query.len().min(60)]);
            let res = app
                .get(&format!("{path}?{query}"))
                .token(&seed.admin)
                .send()
                .await;
            assert_hardened(res.headers(), &what);
            let status = res.status().as_u16();
            assert!(acceptable(&path, status), "{what}: {status}");
            let markup = is_markup(res.headers());
            let body = res.text().await.unwrap();
            if markup {
                assert_no_live_markup(&body, &what);
            }
            sent += 1;
        }
    }
    assert!(sent > 500, "{sent} requests");
}

#[tokio::test]
async fn sql_and_script_text_in_a_filter_finds_nothing_or_itself_and_drops_nothing() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    // An article and a subscriber whose text is the attack, to be found literally.
    for (n, hostile) in SQL_AND_SCRIPT.iter().enumerate() {
        let article = json!({"title": hostile, "slug": format!("hostile-{n}"), "body_markdown": hostile,
            "category": "perfusion-research", "status": "published", "tags": [format!("tag-{n}")]});
        let res = app
            .post("/api/v1/articles")
            .token(&seed.admin)
            .json(&article)
            .send()
            .await;
        assert_eq!(res.status(), 201, "{hostile}");
    }
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for hostile in SQL_AND_SCRIPT {
        let q = encode(hostile);
        for path in [
            format!("/api/v1/articles?q={q}"),
            format!("/api/v1/articles?tag={q}"),
            format!("/api/v1/articles?category={q}"),
            format!("/api/v1/admin/subscribers?q={q}"),
            format!("/api/v1/admin/subscribers.csv?q={q}"),
            format!("/feeds/articles.rss?tag={q}"),
            format!("/embed/articles?tag={q}"),
        ] {
            let res = send(app.get(&path).token(&seed.admin), &path).await;
            assert!(
                res.status() == 200 || res.status() == 400,
                "{path}: {}",
                res.status()
            );
        }
        // `%' OR 1=1 --` is a piece of text to look for, not a pattern matching everything.
        let found = app
            .get(&format!("/api/v1/articles?q={q}"))
            .send_json()
            .await;
        let total = found["meta"]["total"].as_i64().unwrap();
        let all = app.get("/api/v1/articles").send_json().await["meta"]["total"]
            .as_i64()
            .unwrap();
        assert!(total < all, "q={hostile} matched {total} of {all}");
        let found = app
            .get(&format!("/api/v1/admin/subscribers?q={q}"))
            .token(&seed.admin)
            .send_json()
            .await;
        assert_eq!(found["meta"]["total"], 0, "q={hostile} on subscribers");
    }
    for path in ["/api/v1/articles", "/api/v1/admin/subscribers"] {
        app.get(path).token(&seed.admin).send_json().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Renderings: pages, widgets, charts, feeds, the export.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn what_an_attacker_stored_comes_back_literally_in_json_and_escaped_in_every_rendering() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    let admin = &seed.admin;
    let metric = &seed.metric;
    for (n, hostile) in SQL_AND_SCRIPT.iter().enumerate() {
        let article = json!({"title": hostile, "slug": format!("hostile-{n}"), "excerpt": hostile,
            "body_markdown": format!("{hostile}\n\n[x](javascript:alert(1))"), "category": "perfusion-research",
            "featured_image_url": "https://example.org/x.png", "featured_image_alt": hostile,
            "status": "published"});
        let event = json!({"title": hostile, "summary": hostile, "people": [hostile], "year": 2000 - n as i64});
        let as_of = chrono::Utc::now().date_naive() - chrono::Days::new(n as u64 + 1);
        let observation = json!({"value": 4600 + n, "source": hostile, "note": hostile,
            "as_of": as_of, "headline": true});
        for (path, body) in [
            ("/api/v1/articles".to_owned(), article),
            ("/api/v1/history-events".to_owned(), event),
            (
                format!("/api/v1/staffing-statistics/{metric}/observations"),
                observation,
            ),
        ] {
            let res = app.post(&path).token(admin).json(&body).send().await;
            assert_eq!(res.status(), 201, "{path}: {}", res.text().await.unwrap());
        }
        let json = app
            .get(&format!("/api/v1/articles/hostile-{n}"))
            .send_json()
            .await;
        assert_eq!(json["data"]["title"], *hostile, "returned literally");
        assert_eq!(json["data"]["excerpt"], *hostile);
    }
    let slug = "hostile-2"; // the <script> one
    let url = format!("{BASE}/articles/{slug}");
    let encoded: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
    for path in [
        format!("/articles/{slug}"),
        format!("/embed/articles/{slug}"),
        "/embed/articles".to_owned(),
        "/embed/history-events".to_owned(),
        format!("/embed/staffing-statistics/{metric}"),
        format!("/api/v1/staffing-statistics/{metric}/chart.svg"),
        "/embed".to_owned(),
        format!("/oembed?url={encoded}"),
        "/feeds/articles.rss".to_owned(),
        "/feeds/articles.atom".to_owned(),
        "/feeds/articles.json".to_owned(),
    ] {
        let res = send(app.get(&path), &path).await;
        assert_eq!(res.status(), 200, "{path}");
        let markup = is_markup(res.headers());
        let body = res.text().await.unwrap();
        if markup {
            assert_no_live_markup(&body, &path);
        } else {
            // JSON (oEmbed's html, the JSON Feed): the text is data; its markup, if any, escaped.
            let value: Value = serde_json::from_str(&body).unwrap();
            if let Some(html) = value["html"].as_str() {
                assert_no_live_markup(html, &path);
            }
        }
    }
    // A feed reader gets the titles back as written.
    for feed in ["rss", "atom"] {
        let body = app
            .get(&format!("/feeds/articles.{feed}"))
            .send()
            .await
            .bytes()
            .await
            .unwrap();
        let parsed = feed_rs::parser::parse(&body[..]).unwrap();
        let titles: Vec<String> = parsed
            .entries
            .iter()
            .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
            .collect();
        for hostile in SQL_AND_SCRIPT {
            assert!(
                titles.iter().any(|t| t == hostile),
                "{feed}: {hostile} in {titles:?}"
            );
        }
    }
    let json = app.get("/feeds/articles.json").send_json().await;
    let titles: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    for hostile in SQL_AND_SCRIPT {
        assert!(titles.contains(&hostile), "json feed: {hostile}");
    }
}

#[tokio::test]
async fn the_subscribe_form_shows_what_an_attacker_typed_escaped() {
    let app = app().await;
    for hostile in SQL_AND_SCRIPT {
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let form = format!(
            "email={}&name={}&topics=research",
            encode(hostile),
            encode(hostile)
        );
        let req = app
            .post("/embed/subscribe")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form);
        let res = send(req, "POST /embed/subscribe").await;
        assert_eq!(res.status(), 400, "{hostile} is no address");
        assert_no_live_markup(&res.text().await.unwrap(), hostile);
    }
    for (what, body) in [
        ("NUL", b"email=a%00b%40example.org&name=x%00y".to_vec()),
        ("not UTF-8", b"email=%FF%FE&name=\xff\xfe".to_vec()),
        ("broken percent-encoding", b"email=%ZZ&name=%".to_vec()),
        (
            "10,000 characters",
            format!("email={}&name={}", "a".repeat(2000), "b".repeat(2000)).into_bytes(),
        ),
    ] {
        let req = app
            .post("/embed/subscribe")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        let res = send(req, what).await;
        assert_eq!(res.status(), 400, "{what}");
    }
    let req = app
        .post("/embed/subscribe")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email=a%40example.org&name={}", "x".repeat(10_000)));
    let res = send(req, "POST /embed/subscribe 10 KB").await;
    assert_eq!(
        problem(res, 413, "10 KB form").await["code"],
        "payload_too_large"
    );
}

#[tokio::test]
async fn a_subscriber_name_that_is_a_formula_is_neutralised_in_the_csv_export() {
    let app = app().await;
    let admin = app.token(Role::Admin).await;
    let formulas = [
        "=HYPERLINK(\"https://evil.example\",\"x\")",
        "+1+1",
        "-1+1",
        "@SUM(A1)",
        "=1,2",
    ];
    for (n, name) in formulas.iter().enumerate() {
        let res = app
            .post("/api/v1/subscriptions")
            .json(&json!({"email": format!("formula-{n}@example.org"), "name": name}))
            .send()
            .await;
        assert_eq!(res.status(), 202, "{name}");
    }
    let res = send(
        app.get("/api/v1/admin/subscribers.csv").token(&admin),
        "CSV",
    )
    .await;
    let csv = res.text().await.unwrap();
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        for cell in cells {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '+', '@']), "{line}");
            assert!(
                !cell.starts_with('-') || cell.parse::<f64>().is_ok(),
                "{line}"
            );
        }
    }
    for name in formulas {
        assert!(
            csv.contains(&format!("'{}", name.replace('"', "\"\""))),
            "{name} kept, guarded: {csv}"
        );
    }
    // The JSON still has the name as written.
    let list = app
        .get("/api/v1/admin/subscribers")
        .token(&admin)
        .send_json()
        .await;
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    for name in formulas {
        assert!(names.contains(&name), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Paths and methods.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn path_tricks_get_a_4xx_or_the_normalised_answer_never_a_500_or_a_file() {
    let app = app().await;
    let mut targets: Vec<String> = [
        "/api/v1/../api/v1/articles",
        "/api/v1/%2e%2e/api/v1/articles",
        "/api/v1/articles/%2e%2e/%2e%2e/openapi.json",
        "/api/v1/articles/..%2f..%2f..%2fCargo.toml",
        "/api/v1/articles%2fhostile",
        "/api/v1/articles/%2f%2f",
        "//api/v1/articles",
        "/api/v1//articles",
        "/api/v1/articles/.",
        "/./api/v1/articles",
        "/api/v1/articles;x=1",
        "/api/v1/articles/%00",
        "/api/v1/articles/%ff%fe",
        "/api/v1/articles/%",
        "/api/v1/articles/%zz",
        "/api/v1/admin/users/-1",
        "/api/v1/admin/users/99999999999999999999999",
        "/api/v1/certification/steps/1e3",
        "/api/v1/certification/licensure/%00%00",
        "/articles/..%2f..%2f..%2fetc%2fpasswd",
        "/articles/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/embed/articles/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/problems/..%2f..%2fCargo.toml",
        "/docs/../Cargo.toml",
        "/docs/..%2f..%2fCargo.toml",
        "/docs/%2e%2e/%2e%2e/Cargo.toml",
        "/docs/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/docs/..%5c..%5cCargo.toml",
        "/docs//etc/passwd",
        "/docs/%2fetc%2fpasswd",
        "/docs/....//....//Cargo.toml",
        "/docs/swagger-ui.css%00.html",
        "/feeds/articles.rss/..%2f..%2fCargo.toml",
        "/api/v1/staffing-statistics/..%2f..%2f/chart.svg",
        "http://evil.example/api/v1/articles",
        "*",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    targets.push(format!("/api/v1/articles/{}", "a".repeat(10_000)));
    targets.push(format!("/{}", "a/".repeat(5_000)));
    targets.push(format!("/docs/{}", "../".repeat(3_000)));
    for target in targets {
        let what = format!("GET {}", &target[..target.len().min(80)]);
        let res = RawResponse::request(&app, "GET", &target).await;
        assert!(res.status < 500, "{what}: {}", res.status);
        for secret in ["[package]", "root:x:0", "DATABASE_URL", "PRIVATE KEY"] {
            assert!(!res.body.contains(secret), "{what}: a file came back");
        }
        assert_no_live_markup(&res.body, &what);
        res.assert_hardened(&what);
    }
    // A head too large for the server is refused before any route sees it.
    let res = RawResponse::request(
        &app,
        "GET",
        &format!("/api/v1/articles?q={}", "a".repeat(200_000)),
    )
    .await;
    assert!(
        res.status == 431 || res.status == 414 || res.status == 400,
        "{}",
        res.status
    );
}

/// The methods a client might try that no route takes.
const STRANGE_METHODS: [&str; 5] = ["TRACE", "CONNECT", "PROPFIND", "FOO", "BREW"];

#[tokio::test]
async fn every_method_a_path_does_not_take_is_a_405_with_allow_listing_what_it_takes() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    let spec = app.get("/openapi.json").send_json().await;
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let path = seed.fill(path);
        let mut takes: Vec<String> = ["get", "post", "put", "patch", "delete"]
            .iter()
            .filter(|m| item.get(**m).is_some())
            .map(|m| m.to_uppercase())
            .collect();
        if takes.contains(&"GET".to_owned()) {
            takes.push("HEAD".into());
        }
        takes.push("OPTIONS".into());
        let allow_of = |headers: &HeaderMap| -> Vec<String> {
            let mut allow: Vec<String> = headers["allow"]
                .to_str()
                .unwrap()
                .split(',')
                .map(|m| m.trim().to_owned())
                .collect();
            allow.sort();
            allow
        };
        let mut expected = takes.clone();
        expected.sort();
        let res = send(app.options(&path), &format!("OPTIONS {path}")).await;
        assert_eq!(res.status(), 204, "OPTIONS {path}");
        assert_eq!(allow_of(res.headers()), expected, "OPTIONS {path}");
        let others = ["GET", "POST", "PUT", "PATCH", "DELETE"]
            .into_iter()
            .filter(|m| !takes.iter().any(|t| t == m));
        for method in others.chain(STRANGE_METHODS) {
            let what = format!("{method} {path}");
            let res = RawResponse::request(&app, method, &path).await;
            res.assert_hardened(&what);
            assert_eq!(res.status, 405, "{what}: {}", res.body);
            assert_eq!(allow_of(&res.headers), expected, "{what}");
            assert!(
                res.body.contains("method_not_allowed"),
                "{what}: {}",
                res.body
            );
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked} cases");
}

#[tokio::test]
async fn the_docs_take_only_get_and_head() {
    let app = app().await;
    for path in ["/docs/", "/docs/swagger-ui.css", "/docs/index.html"] {
        for method in ["POST", "PUT", "DELETE", "TRACE", "FOO"] {
            let what = format!("{method} {path}");
            let res = RawResponse::request(&app, method, path).await;
            res.assert_hardened(&what);
            assert_eq!(res.status, 405, "{what}");
            assert_eq!(res.headers["allow"], "GET, HEAD, OPTIONS", "{what}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Headers on every kind of answer; the docs' policy.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_kind_of_answer_carries_the_security_headers_and_no_banner() {
    let app = app().await;
    let seed = Seed::read(&app).await;
    let admin = &seed.admin;
    let article = format!("/api/v1/articles/{}", seed.article);
    let etag = app.get(&article).send().await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let cases: Vec<(&str, TestRequest, u16)> = vec![
        ("a JSON item", app.get(&article), 200),
        (
            "a 304",
            app.get(&article).header("if-none-match", &etag),
            304,
        ),
        ("a HEAD", app.head(&article), 200),
        (
            "an article page",
            app.get(&format!("/articles/{}", seed.article)),
            200,
        ),
        ("a page's 404", app.get("/articles/no-such-article"), 404),
        (
            "a chart",
            app.get(&format!(
                "/api/v1/staffing-statistics/{}/chart.svg",
                seed.metric
            )),
            200,
        ),
        ("a widget", app.get("/embed/history-events"), 200),
        ("a feed", app.get("/feeds/articles.atom"), 200),
        (
            "the CSV export",
            app.get("/api/v1/admin/subscribers.csv").token(admin),
            200,
        ),
        ("the document", app.get("/openapi.json"), 200),
        ("the metrics", app.get("/metrics"), 200),
        ("liveness", app.get("/health/live"), 200),
        ("the docs", app.get("/docs/"), 200),
        (
            "the docs' script",
            app.get("/docs/swagger-ui-bundle.js"),
            200,
        ),
        (
            "the docs' settings",
            app.get("/docs/swagger-initializer.js"),
            200,
        ),
        ("no such docs file", app.get("/docs/no-such-file.js"), 404),
        ("the docs' redirect", app.get("/docs"), 308),
        ("a problem page", app.get("/problems/not_found"), 200),
        (
            "a 401",
            app.post("/api/v1/categories").json(&json!({})),
            401,
        ),
        (
            "a 403",
            app.get("/api/v1/admin/users")
                .token(&app.token(Role::Editor).await),
            403,
        ),
        ("a 404", app.get("/nothing/here"), 404),
        ("a 405", app.put("/api/v1/articles"), 405),
        (
            "a 415",
            app.post("/api/v1/categories")
                .token(admin)
                .header("content-type", "text/plain")
                .body("x"),
            415,
        ),
        (
            "a 428",
            app.patch(&article)
                .token(admin)
                .json(&json!({"title": "x"})),
            428,
        ),
        (
            "a 412",
            app.patch(&article)
                .token(admin)
                .if_match("\"stale\"")
                .json(&json!({"title": "x"})),
            412,
        ),
        ("an OPTIONS", app.options("/api/v1/articles"), 204),
        (
            "a CORS preflight",
            app.options("/api/v1/articles")
                .header("origin", "https://partner.example")
                .header("access-control-request-method", "GET"),
            200,
        ),
        (
            "a refused CORS preflight",
            app.options("/api/v1/articles")
                .header("origin", "https://evil.example")
                .header("access-control-request-method", "DELETE"),
            403,
        ),
        (
            "a 201",
            app.post("/api/v1/categories")
                .token(admin)
                .json(&json!({"name": "Headers"})),
            201,
        ),
        (
            "a 204",
            app.delete("/api/v1/categories/headers").token(admin),
            204,
        ),
    ];
    for (what, req, status) in cases {
        let res = send(req, what).await;
        assert_eq!(res.status(), status, "{what}");
        // People reach this app over https: browsers are told to keep to it.
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000",
            "{what}"
        );
    }
    // An answer the service makes before any route: the database is not there. This app's
    // address is plain http, where HSTS means nothing.
    let down = TestApp::spawn_without_database().await;
    let res = down.get("/api/v1/articles").send().await;
    assert_eq!(res.status(), 503);
    assert_hardened(res.headers(), "a 503 while the database is down");
    assert!(!res.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn the_docs_get_a_content_security_policy_that_allows_only_their_own_files() {
    let app = app().await;
    for path in [
        "/docs/",
        "/docs/swagger-initializer.js",
        "/docs/swagger-ui.css",
    ] {
        let res = send(app.get(path), path).await;
        assert_eq!(res.status(), 200, "{path}");
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let directive = |name: &str| {
            csp.split(';')
                .map(str::trim)
                .find(|d| d.split(' ').next() == Some(name))
                .map(str::to_owned)
                .unwrap_or_else(|| panic!("{path}: no {name} in {csp}"))
        };
        assert_eq!(directive("default-src"), "default-src 'none'", "{path}");
        assert_eq!(directive("script-src"), "script-src 'self'", "{path}");
        assert_eq!(directive("connect-src"), "connect-src 'self'", "{path}");
        assert_eq!(
            directive("frame-ancestors"),
            "frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(directive("base-uri"), "base-uri 'none'", "{path}");
        assert_eq!(directive("object-src"), "object-src 'none'", "{path}");
        // Its own style sheets, and inline only what a hash names.
        let style = directive("style-src");
        assert!(style.starts_with("style-src 'self'"), "{path}: {csp}");
        assert!(
            style
                .split(' ')
                .skip(1)
                .all(|s| s == "'self'" || s.starts_with("'sha256-")),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("unsafe-eval") && !csp.contains("'unsafe-inline'"),
            "{path}: {csp}"
        );
    }
    // The settings the page loads point at this service's document, and at no validator.
    let init = app
        .get("/docs/swagger-initializer.js")
        .send()
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("\"/openapi.json\""), "{init}");
    assert!(init.contains("\"validatorUrl\": \"none\""), "{init}");
}

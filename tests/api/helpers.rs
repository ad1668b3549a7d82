//! The test harness: one PostgreSQL for the whole run (a throwaway embedded cluster, or the
//! server in `DATABASE_URL`), a migrated template database made once, and for each test a fresh
//! database cloned from it (dropped afterwards) with the app on a random port.

use std::{sync::OnceLock, time::Duration};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use perfusion_api::{
    auth::hash_password,
    config::{AppEnv, DatabaseSetting, Secret, Settings},
    db,
    domain::Role,
    embedded_pg::{ClusterKind, EmbeddedPostgres},
    models::admin_user::{self, NewAdminUser},
    startup::Application,
};
use reqwest::{Method, Response};
use serde::Serialize;
use serde_json::Value;

pub const JWT_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
pub const PASSWORD: &str = "correct horse battery staple";

struct Server {
    /// `postgres://…/` without a database name.
    base_url: String,
    template: String,
    _embedded: Option<EmbeddedPostgres>,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        // Set-up is async; run it on a runtime of its own so that no test's runtime owns it.
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let (base_url, embedded) =
                    match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
                        Some(url) => {
                            let mut u = url::Url::parse(&url).expect("DATABASE_URL is a URL");
                            u.set_path("/");
                            (u.to_string(), None)
                        }
                        None => {
                            let pg = EmbeddedPostgres::start(ClusterKind::Throwaway)
                                .expect("the embedded PostgreSQL starts");
                            (pg.url(""), Some(pg))
                        }
                    };
                // One template per set of migrations, shared by concurrent runs on one server.
                let version = db::MIGRATIONS_FINGERPRINT;
                let template = format!("perfusion_test_tpl_{version}");
                let mut admin = AsyncPgConnection::establish(&format!("{base_url}postgres"))
                    .await
                    .unwrap();
                diesel::sql_query("SELECT pg_advisory_lock(724301)")
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let tpl_url = format!("{base_url}{template}");
                let exists = AsyncPgConnection::establish(&tpl_url).await.is_ok();
                if !exists {
                    db::create_database_if_missing(&tpl_url).await.unwrap();
                    db::run_migrations(&tpl_url).await.unwrap();
                }
                diesel::sql_query("SELECT pg_advisory_unlock(724301)")
                    .execute(&mut admin)
                    .await
                    .unwrap();
                Server {
                    base_url,
                    template,
                    _embedded: embedded,
                }
            })
        })
        .join()
        .expect("the test database server starts")
    })
}

pub struct TestApp {
    pub address: String,
    /// The private `/metrics` listener (`METRICS_BIND_ADDR`), when the settings ask for one.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub database_url: String,
    /// The database this app owns and drops at the end (none for `spawn_on`).
    db_name: Option<String>,
    /// The runtime of the app's own tasks (its cache listener, its mail worker), apart from the
    /// test's: a test's runtime stops while `Drop` drops the database, and a connection the app
    /// was still opening on it would hold the DROP up until PostgreSQL's authentication timeout
    /// (a minute).
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the app on a database of its own, with settings adjusted by `tweak`.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> Self {
        let server = server();
        let db_name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = AsyncPgConnection::establish(&format!("{}postgres", server.base_url))
            .await
            .unwrap();
        diesel::sql_query(format!(
            "CREATE DATABASE {} TEMPLATE {}",
            db::quote_ident(&db_name),
            db::quote_ident(&server.template)
        ))
        .execute(&mut admin)
        .await
        .expect("the test database is cloned from the template");
        let database_url = format!("{}{}", server.base_url, db_name);
        Self::start(database_url, Some(db_name), tweak, true).await
    }

    /// Starts the app on a database that someone else owns (e.g. reached through a proxy).
    pub async fn spawn_on(database_url: &str) -> Self {
        Self::start(database_url.to_owned(), None, |_| {}, true).await
    }

    /// A second instance of the service on this app's database (as behind a load balancer),
    /// with settings adjusted by `tweak`.
    pub async fn spawn_beside(&self, tweak: impl FnOnce(&mut Settings)) -> Self {
        Self::start(self.database_url.clone(), None, tweak, true).await
    }

    /// An app whose database cannot be reached at all.
    pub async fn spawn_without_database() -> Self {
        let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = dead.local_addr().unwrap().port();
        drop(dead);
        let database_url = format!("postgres://nobody:nothing@127.0.0.1:{port}/none");
        Self::start(database_url, None, |_| {}, false).await
    }

    async fn start(
        database_url: String,
        db_name: Option<String>,
        tweak: impl FnOnce(&mut Settings),
        wait_until_ready: bool,
    ) -> Self {
        let mut settings = test_settings(&database_url);
        tweak(&mut settings);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let app = {
            let _on_its_runtime = runtime.enter();
            Application::build(&settings, &database_url).expect("the app builds")
        };
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = app.metrics_port().map(|p| format!("http://127.0.0.1:{p}"));
        if wait_until_ready {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            while !app.is_ready() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the app did not get its database ready"
                );
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            // Searches are answered by the search index from here on (unless it is off).
            while settings.search_index && !app.search_index_is_ready() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the app did not build its search index"
                );
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
        runtime.spawn(app.run_until_stopped());
        Self {
            address,
            metrics_address,
            client: client(),
            database_url,
            db_name,
            runtime: Some(runtime),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A request to `path` (relative to the app), to finish with `.token(…)`, `.json(…)` and
    /// the like, and to send with `.send()`.
    pub fn request(&self, method: Method, path: &str) -> TestRequest {
        TestRequest {
            builder: self.client.request(method.clone(), self.url(path)),
            method,
            path: path.to_owned(),
        }
    }

    pub fn get(&self, path: &str) -> TestRequest {
        self.request(Method::GET, path)
    }

    pub fn head(&self, path: &str) -> TestRequest {
        self.request(Method::HEAD, path)
    }

    pub fn post(&self, path: &str) -> TestRequest {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> TestRequest {
        self.request(Method::PUT, path)
    }

    pub fn patch(&self, path: &str) -> TestRequest {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> TestRequest {
        self.request(Method::DELETE, path)
    }

    pub fn options(&self, path: &str) -> TestRequest {
        self.request(Method::OPTIONS, path)
    }

    pub async fn conn(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.database_url)
            .await
            .unwrap()
    }

    /// Creates an admin user directly in the database; returns its email.
    pub async fn create_user(&self, role: Role) -> (i64, String) {
        let email = format!(
            "{}-{}@example.org",
            role.as_str(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let hash = tokio::task::spawn_blocking(|| hash_password(PASSWORD))
            .await
            .unwrap();
        let new = NewAdminUser {
            email: email.clone(),
            display_name: "Test User".into(),
            password_hash: hash,
            role,
        };
        let user = db::write(&mut self.conn().await, async |tx| {
            admin_user::insert(tx, &new).await
        })
        .await
        .unwrap();
        (user.id, email)
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post("/api/v1/auth/token")
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
    }

    /// A token for a new user with `role`.
    pub async fn token(&self, role: Role) -> String {
        let (_, email) = self.create_user(role).await;
        let res = self.login(&email, PASSWORD).await;
        assert_eq!(res.status(), 200, "login works");
        res.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// One request to the app, as a client would send it: `app.patch(path).token(&t).if_match(&etag)
/// .json(&body).send().await`.
#[must_use = "a request does nothing until it is sent"]
pub struct TestRequest {
    builder: reqwest::RequestBuilder,
    method: Method,
    path: String,
}

impl TestRequest {
    /// Sends the bearer token `token`.
    pub fn token(self, token: &str) -> Self {
        self.map(|b| b.bearer_auth(token))
    }

    /// Makes the request conditional on the resource still having `etag`.
    pub fn if_match(self, etag: &str) -> Self {
        self.header("If-Match", etag)
    }

    pub fn header(self, name: &str, value: impl AsRef<str>) -> Self {
        self.map(|b| b.header(name, value.as_ref()))
    }

    /// A JSON body (and its content type).
    pub fn json(self, body: &impl Serialize) -> Self {
        self.map(|b| b.json(body))
    }

    /// A raw body; set its content type with `header`.
    pub fn body(self, body: impl Into<reqwest::Body>) -> Self {
        self.map(|b| b.body(body))
    }

    fn map(self, f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder) -> Self {
        Self {
            builder: f(self.builder),
            ..self
        }
    }

    /// Sends the request and returns the answer, whatever its status. (A transport error, no
    /// answer at all, fails the test.)
    pub async fn send(self) -> Response {
        let Self {
            builder,
            method,
            path,
        } = self;
        builder
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"))
    }

    /// Sends the request, asserts a 200 OK and returns its JSON body.
    pub async fn send_json(self) -> Value {
        let what = format!("{} {}", self.method, self.path);
        let res = self.send().await;
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "{what}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {body}"))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The app's tasks stop and their connections close.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        if let Some(name) = self.db_name.clone() {
            drop_database(name);
        }
    }
}

/// Drops the test database `name`, from any context (a `Drop` runs inside the test's runtime, so
/// the async work runs on a thread of its own).
fn drop_database(name: String) {
    let url = format!("{}postgres", server().base_url);
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            if let Ok(mut c) = AsyncPgConnection::establish(&url).await {
                let _ = diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    db::quote_ident(&name)
                ))
                .execute(&mut c)
                .await;
            }
        })
    })
    .join();
}

pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::from_lookup(|_| None).expect("default settings");
    settings.app_env = AppEnv::Development;
    settings.bind_addr = "127.0.0.1:0".parse().unwrap();
    settings.database = DatabaseSetting::Url(Secret::new(database_url));
    settings.jwt_secret = Some(Secret::new(JWT_SECRET));
    settings.db_pool_size = 4;
    settings.workers = Some(1);
    settings
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Asserts a problem+json answer with `status`; returns its body.
pub async fn assert_problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(ct, "application/problem+json", "content type");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(
        body["title"].is_string()
            && body["detail"].is_string()
            && body["type"].is_string()
            && body["code"].is_string(),
        "{body}"
    );
    body
}

/// The fields named in a validation problem.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A database name of the test's own on the test server, not created yet (a command under test
/// may create it), dropped at the end.
pub struct ScratchDb {
    pub url: String,
    name: String,
}

impl ScratchDb {
    pub fn new() -> Self {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        Self {
            url: format!("{}{}", server().base_url, name),
            name,
        }
    }

    /// Creates it, empty.
    pub async fn create(self) -> Self {
        let mut admin = AsyncPgConnection::establish(&format!("{}postgres", server().base_url))
            .await
            .unwrap();
        diesel::sql_query(format!("CREATE DATABASE {}", db::quote_ident(&self.name)))
            .execute(&mut admin)
            .await
            .unwrap();
        self
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        drop_database(self.name.clone());
    }
}

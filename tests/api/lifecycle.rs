//! The service as an operator sees it: the real binary on the embedded cluster, signals,
//! production logs, and a database that goes away and comes back.

use std::{
    io::Read,
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use nix::{sys::signal, unistd::Pid};
use serde_json::{json, Value};
use tokio::{net::TcpListener, task::AbortHandle};

use crate::helpers::{assert_problem, TestApp, JWT_SECRET};

/// A free loopback port (there is a small window before the binary binds it; fine for tests).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary, with only the environment we give it (plus PATH, to find PostgreSQL). Its
/// request timeout is generous: a debug build beside the whole suite on two cores can be slow
/// to open its first connections, and these tests are not about that limit (faults.rs is).
fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_perfusion-api"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("REQUEST_TIMEOUT_MS", "15000")
        .env("DB_STATEMENT_TIMEOUT_MS", "15000")
        .env("RUST_LOG", "info");
    cmd
}

/// A directory the `postgres` system user can reach when the tests run as root.
fn data_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    dir
}

async fn wait_until_ready(client: &reqwest::Client, base: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(res) = client.get(format!("{base}/health/ready")).send().await {
            if res.status() == 200 {
                return;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the service exited before it was ready: {status}");
        }
        assert!(Instant::now() < deadline, "the service never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends `sig` and waits for the exit; returns the child's stdout.
fn stop(mut child: Child, sig: signal::Signal) -> (std::process::ExitStatus, String) {
    signal::kill(Pid::from_raw(child.id() as i32), sig).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the service did not stop within 60 s of {sig}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_string(&mut out).unwrap();
    }
    (status, out)
}

fn postmaster_running(data_dir: &Path) -> bool {
    data_dir.join("postmaster.pid").exists()
}

/// The binary with nothing configured but its data directory, its address and (optionally) the
/// JWT secret: it runs its own PostgreSQL there.
fn serve(data_dir: &Path, port: u16) -> Command {
    let mut cmd = binary();
    cmd.env("PERFUSION_DATA_DIR", data_dir)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null());
    cmd
}

/// The whole timeline, as the binary at `base` answers it.
async fn timeline(client: &reqwest::Client, base: &str) -> Value {
    let res = client
        .get(format!("{base}/api/v1/history-events?limit=100"))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn with_nothing_configured_it_runs_its_own_postgres_and_keeps_edits_across_restarts() {
    let root = data_root();
    let data_dir = root.path().join("postgres");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();

    // The operator creates the first admin: this initialises the cluster and stops it again.
    let out = binary()
        .args([
            "admin",
            "create",
            "--email",
            "ops@example.org",
            "--role",
            "admin",
        ])
        .env("PERFUSION_DATA_DIR", &data_dir)
        .env("PERFUSION_ADMIN_PASSWORD", "operator password 1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !postmaster_running(&data_dir),
        "admin create stops the cluster"
    );

    // First run: the seeded timeline is there; an admin edits one event.
    let mut child = serve(&data_dir, port)
        .env("JWT_SECRET", JWT_SECRET)
        .spawn()
        .unwrap();
    wait_until_ready(&client, &base, &mut child).await;
    let list = timeline(&client, &base).await;
    let seeded = list["data"].as_array().unwrap().len();
    assert_eq!(seeded, 8, "the eight seeded events");
    let slug = list["data"][0]["slug"].as_str().unwrap().to_owned();
    let token: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"email": "ops@example.org", "password": "operator password 1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = client
        .patch(format!("{base}/api/v1/history-events/{slug}"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&json!({"title": "Edited by an admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // SIGTERM: exit 0 and the cluster is stopped (no postmaster left behind).
    let (status, _) = stop(child, signal::Signal::SIGTERM);
    assert!(status.success(), "SIGTERM exits 0, got {status}");
    assert!(!postmaster_running(&data_dir), "the cluster was stopped");

    // Second run on the same data: the edit survived and the seed did not come back or double.
    let mut child = serve(&data_dir, port).spawn().unwrap();
    wait_until_ready(&client, &base, &mut child).await;
    let list = timeline(&client, &base).await;
    assert_eq!(list["data"].as_array().unwrap().len(), seeded);
    assert_eq!(list["meta"]["total"], seeded);
    assert_eq!(list["data"][0]["slug"], slug.as_str());
    assert_eq!(list["data"][0]["title"], "Edited by an admin");
    let (status, _) = stop(child, signal::Signal::SIGTERM);
    assert!(status.success(), "SIGTERM exits 0, got {status}");
}

#[tokio::test]
async fn ctrl_c_stops_the_service_and_its_own_postgres_with_exit_0() {
    let root = data_root();
    let data_dir = root.path().join("postgres");
    let port = free_port();
    let mut child = serve(&data_dir, port).spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_until_ready(&reqwest::Client::new(), &base, &mut child).await;
    let (status, _) = stop(child, signal::Signal::SIGINT);
    assert!(status.success(), "SIGINT exits 0, got {status}");
    assert!(!postmaster_running(&data_dir));
}

#[tokio::test]
async fn in_production_each_request_is_one_json_log_line() {
    let app = TestApp::spawn().await; // for its database
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut child = binary()
        .env("APP_ENV", "production")
        .env("DATABASE_URL", &app.database_url)
        .env("JWT_SECRET", JWT_SECRET)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_ready(&client, &base, &mut child).await;
    let res = client
        .get(format!("{base}/api/v1/history-events?limit=2"))
        .header("X-Request-Id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-request-id"], "trace-me-123");
    let (status, stdout) = stop(child, signal::Signal::SIGTERM);
    assert!(status.success());

    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let line = lines
        .iter()
        .find(|l| l["request_id"] == "trace-me-123")
        .unwrap_or_else(|| panic!("no log line for the request in {stdout}"));
    assert_eq!(line["method"], "GET");
    assert_eq!(line["path"], "/api/v1/history-events");
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(line["level"], "INFO");
    assert!(line["timestamp"].is_string());
}

/// A TCP proxy in front of PostgreSQL that can be cut (every connection dropped, new ones
/// refused) and restored, to stage an outage without touching the shared server.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection closed
                }
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links2.lock().unwrap().push(link.abort_handle());
            }
        });
        Self { port, up, links }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_database_outage_is_a_503_to_retry_and_the_service_recovers_without_a_restart() {
    let direct = TestApp::spawn().await; // a database of our own
    let mut url = url::Url::parse(&direct.database_url).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let proxy = Proxy::start(target).await;
    url.set_port(Some(proxy.port)).unwrap();
    let app = TestApp::spawn_on(url.as_str()).await;

    assert_eq!(app.get("/api/v1/history-events").send().await.status(), 200);
    assert_eq!(app.get("/health/ready").send().await.status(), 200);

    proxy.cut();
    // (A page the response cache has not seen: one it has may still be served from memory.)
    for path in ["/api/v1/history-events?limit=3", "/health/ready"] {
        let res = app.get(path).send().await;
        assert!(
            res.headers().contains_key("retry-after"),
            "{path}: {} {:?}",
            res.status(),
            res.headers()
        );
        let problem = assert_problem(res, 503).await;
        assert!(
            !problem["detail"].as_str().unwrap().contains("127.0.0.1"),
            "no connection details leak: {problem}"
        );
    }
    let live = app.get("/health/live").send().await;
    assert_eq!(live.status(), 200, "still alive");

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = app.get("/api/v1/history-events").send().await.status();
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "never recovered, last {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.get("/health/ready").send().await.status(), 200);
}

#[tokio::test]
async fn it_starts_while_the_database_is_down_and_becomes_ready_when_it_comes_up() {
    let direct = TestApp::spawn().await; // for the server's address and credentials
    let mut url = url::Url::parse(&direct.database_url).unwrap();
    let proxy = Proxy::start(format!(
        "{}:{}",
        url.host_str().unwrap(),
        url.port().unwrap()
    ))
    .await;
    proxy.cut();
    url.set_port(Some(proxy.port)).unwrap();
    // A database that does not exist yet: made and migrated once the server answers.
    url.set_path(&format!("/fresh_{}", uuid::Uuid::new_v4().simple()));
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut child = binary()
        .env("DATABASE_URL", url.as_str())
        .env("JWT_SECRET", JWT_SECRET)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();

    // It serves at once: alive, not ready, and every database route a 503 to retry.
    let deadline = Instant::now() + Duration::from_secs(20);
    let live = loop {
        if let Ok(res) = client.get(format!("{base}/health/live")).send().await {
            break res;
        }
        assert!(child.try_wait().unwrap().is_none(), "it exited");
        assert!(Instant::now() < deadline, "it never listened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(live.status(), 200);
    for path in ["/health/ready", "/api/v1/history-events"] {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        assert!(res.headers().contains_key("retry-after"), "{path}");
        assert_problem(res, 503).await;
    }

    // The server comes up: the service creates the database, migrates it and is ready.
    proxy.restore();
    wait_until_ready(&client, &base, &mut child).await;
    assert_eq!(timeline(&client, &base).await["meta"]["total"], 8);
    let (status, _) = stop(child, signal::Signal::SIGTERM);
    assert!(status.success(), "SIGTERM exits 0, got {status}");
}

#[tokio::test]
async fn sigterm_under_load_finishes_what_is_in_flight_loses_nothing_and_exits_0_within_10_s() {
    let direct = TestApp::spawn().await; // its database, and an editor on it
    let token = direct.token(perfusion_api::domain::Role::Editor).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = binary()
        .env("DATABASE_URL", &direct.database_url)
        .env("JWT_SECRET", JWT_SECRET)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("APP_ENV", "production")
        .stdout(log.reopen().unwrap())
        .spawn()
        .unwrap();
    wait_until_ready(&client, &base, &mut child).await;

    // Eight writers, as fast as they can, until the service goes away.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let answers = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        let (acknowledged, answers) = (acknowledged.clone(), answers.clone());
        writers.push(tokio::spawn(async move {
            for n in 0.. {
                let title = format!("Written during shutdown {w}-{n}");
                let res = client
                    .post(format!("{base}/api/v1/history-events"))
                    .bearer_auth(&token)
                    .json(&json!({"title": title, "summary": "Load.", "year": 2001}))
                    .send()
                    .await;
                let Ok(res) = res else { break }; // refused: the service has stopped
                let status = res.status().as_u16();
                answers.lock().unwrap().push(status);
                if status == 201 {
                    acknowledged.lock().unwrap().push(title);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let signalled = Instant::now();
    let (status, _) = tokio::task::spawn_blocking(move || stop(child, signal::Signal::SIGTERM))
        .await
        .unwrap();
    let took = signalled.elapsed();
    for w in writers {
        w.await.unwrap();
    }
    assert!(status.success(), "exit 0, got {status}");
    assert!(took < Duration::from_secs(10), "stopped in {took:?}");

    let answers = answers.lock().unwrap().clone();
    let log = std::fs::read_to_string(log.path()).unwrap();
    assert!(
        answers.iter().all(|s| *s == 201),
        "every answered write succeeded (in-flight ones finished): {:?}\n{}",
        answers.iter().filter(|s| **s != 201).collect::<Vec<_>>(),
        log.lines()
            .filter(|l| !l.contains("\"status\":201"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 20, "{} writes", acknowledged.len());
    let stored = direct
        .get("/api/v1/history-events?limit=100")
        .send_json()
        .await["meta"]["total"]
        .as_u64()
        .unwrap();
    let seeded = 8;
    assert!(
        stored as usize >= seeded + acknowledged.len(),
        "every acknowledged write is stored: {stored} events for {} acknowledged",
        acknowledged.len()
    );
    for title in acknowledged.iter().step_by(7) {
        let slug = perfusion_api::domain::Slug::from_title(title).unwrap();
        let res = direct
            .get(&format!("/api/v1/history-events/{}", slug.as_str()))
            .send()
            .await;
        assert_eq!(res.status(), 200, "{title}");
    }
}

//! Database faults under load. Each test runs the service on a PostgreSQL server of its own,
//! keeps a bounded mix of reads and writes going on loopback, and then: restarts the server,
//! kills every backend of the service, or freezes the server (SIGSTOP) for 10 s. During the
//! fault every answer comes within 3 s and is a 503 to retry (or a read still served from the
//! response cache), never a hang and never a 500; /health/live stays 200 and /health/ready is
//! 503. Within 5 s of recovery at least 99% of requests succeed, with no restart of the
//! service, and every write acknowledged with 201 exists exactly once.

use std::{
    collections::HashMap,
    path::Path,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use diesel::{sql_types::Text, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use nix::{sys::signal, unistd::Pid};
use perfusion_api::embedded_pg::{ClusterKind, EmbeddedPostgres};
use serde_json::json;

use crate::helpers::{assert_problem, TestApp};

/// The longest any answer may take while the database is down.
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// One request of the load: when it started, how long it took, what it got.
#[derive(Debug, Clone)]
struct Outcome {
    started: Instant,
    took: Duration,
    status: u16,
    retry_after: bool,
}

/// The service on a server of its own, and the load against it.
struct Rig {
    pg: Arc<EmbeddedPostgres>,
    app: TestApp,
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    /// Titles of history events whose creation was answered 201.
    acknowledged: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Rig {
    async fn start() -> Self {
        let pg = tokio::task::spawn_blocking(|| {
            EmbeddedPostgres::start(ClusterKind::Throwaway).expect("a server of its own")
        })
        .await
        .unwrap();
        let app = TestApp::spawn_on(&pg.url("perfusion")).await;
        Self {
            pg: Arc::new(pg),
            app,
            outcomes: Arc::default(),
            acknowledged: Arc::default(),
            stop: Arc::default(),
            workers: Vec::new(),
        }
    }

    /// Four clients, each alternating a read that reaches the database (an editor's, so never
    /// from the response cache), a public read, and a write.
    async fn start_load(&mut self) {
        let token = self.app.token(perfusion_api::domain::Role::Editor).await;
        let counter = Arc::new(AtomicUsize::new(0));
        for client in 0..4 {
            let base = self.app.address.clone();
            let (token, counter) = (token.clone(), counter.clone());
            let (outcomes, acknowledged, stop) = (
                self.outcomes.clone(),
                self.acknowledged.clone(),
                self.stop.clone(),
            );
            self.workers.push(tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let title = format!("Fault drill {client}-{n}");
                    let request = match n % 3 {
                        0 => http
                            .get(format!("{base}/api/v1/history-events?limit=5"))
                            .bearer_auth(&token),
                        1 => http.get(format!("{base}/api/v1/categories")),
                        _ => http
                            .post(format!("{base}/api/v1/history-events"))
                            .bearer_auth(&token)
                            .json(&json!({"title": title, "summary": "A drill.", "year": 1990})),
                    };
                    let started = Instant::now();
                    let outcome = match request.send().await {
                        Ok(res) => {
                            let status = res.status().as_u16();
                            let retry_after = res.headers().contains_key("retry-after");
                            let _ = res.bytes().await;
                            if status == 201 {
                                acknowledged.lock().unwrap().push(title);
                            }
                            Outcome {
                                started,
                                took: started.elapsed(),
                                status,
                                retry_after,
                            }
                        }
                        Err(_) => Outcome {
                            started,
                            took: started.elapsed(),
                            status: 0,
                            retry_after: false,
                        },
                    };
                    outcomes.lock().unwrap().push(outcome);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
        }
    }

    /// While `fault` runs: the health endpoints are checked every 300 ms (`/health/ready` must
    /// be 503 when `unready`). Returns when the fault began and ended.
    async fn during<F>(&self, unready: bool, fault: F) -> (Instant, Instant)
    where
        F: FnOnce(Arc<EmbeddedPostgres>) + Send + 'static,
    {
        let pg = self.pg.clone();
        let began = Instant::now();
        let fault = tokio::task::spawn_blocking(move || fault(pg));
        // Give the fault a moment to bite before asking how the service feels.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let mut checked = 0;
        while !fault.is_finished() {
            let live = self.app.get("/health/live").send().await;
            assert_eq!(live.status(), 200, "alive during the fault");
            let asked = Instant::now();
            let ready = self.app.get("/health/ready").send().await;
            assert!(asked.elapsed() < ANSWER_WITHIN, "ready answered in time");
            if ready.status() == 200 {
                assert!(!unready || fault.is_finished(), "ready during the fault");
            } else {
                assert!(ready.headers().contains_key("retry-after"));
                assert_problem(ready, 503).await;
                checked += 1;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        fault.await.unwrap();
        assert!(
            checked > 0,
            "the health endpoints were asked during the fault"
        );
        (began, Instant::now())
    }

    /// Stops the load and checks what it saw around a fault that lasted from `began` to `ended`.
    async fn verdict(mut self, began: Instant, ended: Instant) {
        tokio::time::sleep(Duration::from_secs(7)).await;
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers.drain(..) {
            worker.await.unwrap();
        }
        let outcomes = self.outcomes.lock().unwrap().clone();
        let mut by_status: HashMap<u16, usize> = HashMap::new();
        for o in &outcomes {
            *by_status.entry(o.status).or_default() += 1;
        }
        eprintln!("outcomes by status: {by_status:?}");

        for o in &outcomes {
            assert!(
                o.took <= ANSWER_WITHIN,
                "an answer ({}) took {:?}",
                o.status,
                o.took
            );
            assert!(
                matches!(o.status, 200 | 201 | 503),
                "only successes and 503s, got {}",
                o.status
            );
            if o.status == 503 {
                assert!(o.retry_after, "a 503 says when to retry");
            }
        }
        let hit = outcomes
            .iter()
            .filter(|o| o.started >= began && o.started < ended)
            .filter(|o| o.status == 503)
            .count();
        assert!(hit > 0, "the fault was felt: {by_status:?}");

        let after: Vec<_> = outcomes
            .iter()
            .filter(|o| o.started >= ended + Duration::from_secs(5))
            .collect();
        let ok = after.iter().filter(|o| o.status < 300).count();
        assert!(
            after.len() >= 20 && ok * 100 >= after.len() * 99,
            "{ok} of {} requests succeeded from 5 s after recovery",
            after.len()
        );

        // Every acknowledged write is stored exactly once.
        let acknowledged = self.acknowledged.lock().unwrap().clone();
        assert!(!acknowledged.is_empty());
        let stored = titles(&self.pg.url("perfusion")).await;
        for title in &acknowledged {
            assert_eq!(stored.get(title), Some(&1), "`{title}` stored exactly once");
        }
    }
}

/// How many history events have each title.
async fn titles(url: &str) -> HashMap<String, usize> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        title: String,
    }
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    let rows: Vec<Row> = diesel::sql_query("SELECT title FROM history_events")
        .load(&mut conn)
        .await
        .unwrap();
    let mut counts = HashMap::new();
    for r in rows {
        *counts.entry(r.title).or_default() += 1;
    }
    counts
}

/// Every process of the server: the postmaster and its children.
fn server_processes(data_dir: &Path) -> Vec<Pid> {
    let pid_file = std::fs::read_to_string(data_dir.join("postmaster.pid")).unwrap();
    let postmaster: i32 = pid_file.lines().next().unwrap().trim().parse().unwrap();
    let mut pids = vec![Pid::from_raw(postmaster)];
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid …: the fields after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<i32>().ok());
        if ppid == Some(postmaster) {
            pids.push(Pid::from_raw(pid));
        }
    }
    pids
}

#[tokio::test]
async fn a_database_restart_under_load_is_503s_then_full_recovery_and_nothing_acknowledged_lost() {
    let mut rig = Rig::start().await;
    rig.start_load().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (began, ended) = rig
        .during(true, |pg| {
            pg.restart(Duration::from_secs(4))
                .expect("the server restarts")
        })
        .await;
    rig.verdict(began, ended).await;
}

#[tokio::test]
async fn every_backend_killed_under_load_is_503s_then_full_recovery_and_nothing_acknowledged_lost()
{
    let mut rig = Rig::start().await;
    rig.start_load().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let url = rig.pg.url("postgres");
    let (began, ended) = rig
        // The server itself stays up, so /health/ready may rightly say 200 between kills.
        .during(false, move |_| {
            // For 4 s, every 100 ms: terminate every backend on the service's database.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                use diesel_async::RunQueryDsl;
                let mut admin = AsyncPgConnection::establish(&url).await.unwrap();
                let until = Instant::now() + Duration::from_secs(4);
                while Instant::now() < until {
                    diesel::sql_query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = 'perfusion' AND pid <> pg_backend_pid()",
                    )
                    .execute(&mut admin)
                    .await
                    .unwrap();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            });
        })
        .await;
    rig.verdict(began, ended).await;
}

#[tokio::test]
async fn a_database_frozen_for_10_s_is_503s_within_3_s_then_full_recovery() {
    let mut rig = Rig::start().await;
    rig.start_load().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (began, ended) = rig
        .during(true, |pg| {
            let processes = server_processes(pg.data_dir());
            for pid in &processes {
                signal::kill(*pid, signal::Signal::SIGSTOP).unwrap();
            }
            std::thread::sleep(Duration::from_secs(10));
            for pid in &processes {
                let _ = signal::kill(*pid, signal::Signal::SIGCONT);
            }
        })
        .await;
    rig.verdict(began, ended).await;
}

#[tokio::test]
async fn a_statement_stuck_behind_a_lock_is_cancelled_by_the_statement_timeout() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn_with(|s| {
        s.timeouts.statement = Duration::from_millis(300);
        s.timeouts.request = Duration::from_secs(20);
    })
    .await;
    // Someone holds the table: every read of it waits.
    let mut holder = AsyncPgConnection::establish(&app.database_url)
        .await
        .unwrap();
    diesel::sql_query("BEGIN")
        .execute(&mut holder)
        .await
        .unwrap();
    diesel::sql_query("LOCK TABLE history_events IN ACCESS EXCLUSIVE MODE")
        .execute(&mut holder)
        .await
        .unwrap();

    let asked = Instant::now();
    let res = app.get("/api/v1/history-events?limit=4").send().await;
    let took = asked.elapsed();
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 503).await;
    assert!(
        took < Duration::from_secs(5),
        "cancelled by the statement timeout, not the request's: {took:?}"
    );

    diesel::sql_query("ROLLBACK")
        .execute(&mut holder)
        .await
        .unwrap();
    assert_eq!(
        app.get("/api/v1/history-events?limit=4")
            .send()
            .await
            .status(),
        200
    );
}

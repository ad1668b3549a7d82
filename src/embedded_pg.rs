//! The private PostgreSQL cluster used when `DATABASE_URL` is unset (development and tests).
//!
//! It is made from the PostgreSQL binaries already installed (found on `PATH` or under
//! `/usr/lib/postgresql/*/bin`): `initdb` once, then `pg_ctl start` on a free loopback port with
//! password (SCRAM) authentication and no unix socket. When this process runs as root, the
//! cluster runs as the `postgres` system user, because PostgreSQL refuses to run as root.
//!
//! Stopping: [`EmbeddedPostgres::stop`] does a fast shutdown. In case this process dies without
//! calling it (a panic, SIGKILL), a small reaper process holds the read end of a pipe from us; when
//! the pipe closes it stops the cluster, and for a throwaway cluster also removes its directory.
//! These are blocking calls: run them before the async runtime serves requests, or off it.

use std::{
    fs,
    io::Write,
    net::TcpListener,
    os::unix::{fs::PermissionsExt, process::CommandExt},
    path::{Path, PathBuf},
    process::{Child, ChildStdin, Command, Stdio},
};

use rand::{distributions::Alphanumeric, Rng};

const SUPERUSER: &str = "perfusion";
const PASSWORD_FILE: &str = "perfusion.password";

/// Why the embedded cluster could not be started; the message says what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EmbeddedPgError(String);

/// What kind of cluster to run.
#[derive(Debug, Clone)]
pub enum ClusterKind {
    /// Data persists in this directory across runs (development).
    Persistent(PathBuf),
    /// A fresh cluster in a temporary directory, tuned for speed (no fsync) and removed when the
    /// process ends (tests).
    Throwaway,
}

/// A running cluster. Call [`stop`](Self::stop) for a clean shutdown.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    bin_dir: PathBuf,
    port: u16,
    password: String,
    run_as: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
    /// False when we found the cluster already running (another instance) and only connect.
    owned: bool,
    reaper: Option<(Child, ChildStdin)>,
}

impl EmbeddedPostgres {
    /// Initialises the cluster if needed and starts it. Blocking.
    pub fn start(kind: ClusterKind) -> Result<Self, EmbeddedPgError> {
        let bin_dir = find_bin_dir()?;
        let run_as = postgres_user_if_root()?;
        let throwaway = matches!(kind, ClusterKind::Throwaway);
        let data_dir = match kind {
            ClusterKind::Persistent(dir) => prepare_dir(&dir, run_as)?,
            ClusterKind::Throwaway => {
                let suffix: String = rand::thread_rng()
                    .sample_iter(&Alphanumeric)
                    .take(10)
                    .map(char::from)
                    .collect();
                let dir =
                    std::env::temp_dir().join(format!("perfusion-pg-{}", suffix.to_lowercase()));
                prepare_dir(&dir, run_as)?
            }
        };

        let mut pg = Self {
            data_dir,
            bin_dir,
            port: 0,
            password: String::new(),
            run_as,
            owned: true,
            reaper: None,
        };
        if !pg.data_dir.join("PG_VERSION").exists() {
            pg.initdb(throwaway)?;
        }
        pg.password = fs::read_to_string(pg.data_dir.join(PASSWORD_FILE))
            .map(|p| p.trim().to_owned())
            .map_err(|e| {
                EmbeddedPgError(format!(
                    "the embedded PostgreSQL in {} has no readable {PASSWORD_FILE} ({e}); \
                     remove that directory to start afresh, or set DATABASE_URL",
                    pg.data_dir.display()
                ))
            })?;

        if let Some(port) = running_port(&pg.data_dir) {
            tracing::warn!(
                port,
                "the embedded PostgreSQL is already running (another instance?); using it"
            );
            pg.port = port;
            pg.owned = false;
            return Ok(pg);
        }
        pg.port = free_port()?;
        pg.spawn_reaper(throwaway)?;
        pg.pg_ctl_start()?;
        Ok(pg)
    }

    /// A connection URL for `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}",
            self.password, self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Fast shutdown (open sessions are ended, then a checkpoint). Blocking.
    pub fn stop(&mut self) -> Result<(), EmbeddedPgError> {
        if !self.owned {
            return Ok(());
        }
        self.owned = false;
        let stopped = self.pg_ctl_stop();
        // Closing the pipe lets the reaper finish (for a throwaway cluster: remove the directory).
        if let Some((mut child, stdin)) = self.reaper.take() {
            drop(stdin);
            let _ = child.wait();
        }
        stopped
    }

    /// Stops the server (fast) and, after `down_for`, starts it again on the same port with
    /// the same data: an operator's restart, or an outage for the fault tests. Blocking.
    pub fn restart(&self, down_for: std::time::Duration) -> Result<(), EmbeddedPgError> {
        self.pg_ctl_stop()?;
        std::thread::sleep(down_for);
        self.pg_ctl_start()
    }

    fn pg_ctl_stop(&self) -> Result<(), EmbeddedPgError> {
        let out = self
            .command("pg_ctl")
            .args(["stop", "-m", "fast", "-w", "-t", "60", "-D"])
            .arg(&self.data_dir)
            .output()
            .map_err(|e| EmbeddedPgError(format!("could not run pg_ctl stop: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(EmbeddedPgError(format!(
                "pg_ctl stop failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        cmd.current_dir("/").env("LC_ALL", "C").stdin(Stdio::null());
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
        }
        cmd
    }

    fn initdb(&self, throwaway: bool) -> Result<(), EmbeddedPgError> {
        let password: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        // initdb wants an empty directory, so the password file goes beside it first.
        let pwfile = self.data_dir.with_extension("initdb-pw");
        write_private(&pwfile, &password, self.run_as)?;
        let out = self
            .command("initdb")
            .arg("-D")
            .arg(&self.data_dir)
            .args([
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .output();
        let _ = fs::remove_file(&pwfile);
        let out = out.map_err(|e| EmbeddedPgError(format!("could not run initdb: {e}")))?;
        if !out.status.success() {
            return Err(EmbeddedPgError(format!(
                "initdb failed for {}: {}",
                self.data_dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let mut conf = String::from(
            "\n# Added by perfusion-api: loopback only, no unix socket.\n\
             listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 200\n",
        );
        if throwaway {
            conf.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        fs::OpenOptions::new()
            .append(true)
            .open(self.data_dir.join("postgresql.conf"))
            .and_then(|mut f| f.write_all(conf.as_bytes()))
            .map_err(|e| {
                EmbeddedPgError(format!("could not configure the embedded PostgreSQL: {e}"))
            })?;
        write_private(&self.data_dir.join(PASSWORD_FILE), &password, self.run_as)
    }

    /// Starts a process that stops the cluster when our end of its stdin closes (we exited).
    fn spawn_reaper(&mut self, remove_dir: bool) -> Result<(), EmbeddedPgError> {
        let script = if remove_dir {
            r#"cat >/dev/null; "$0" stop -m fast -w -D "$1" >/dev/null 2>&1; rm -rf "$1""#
        } else {
            r#"cat >/dev/null; "$0" stop -m fast -w -D "$1" >/dev/null 2>&1"#
        };
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(script)
            .arg(self.bin_dir.join("pg_ctl"))
            .arg(&self.data_dir)
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C at the terminal must not kill the reaper first.
            .process_group(0);
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
        }
        let mut child = cmd.spawn().map_err(|e| {
            EmbeddedPgError(format!(
                "could not start the embedded PostgreSQL's reaper: {e}"
            ))
        })?;
        let stdin = child.stdin.take().expect("stdin is piped");
        self.reaper = Some((child, stdin));
        Ok(())
    }

    fn pg_ctl_start(&self) -> Result<(), EmbeddedPgError> {
        let log = self.data_dir.join("server.log");
        let out = self
            .command("pg_ctl")
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&log)
            .arg("-o")
            .arg(format!("-p {}", self.port))
            .stdout(Stdio::null())
            .output()
            .map_err(|e| EmbeddedPgError(format!("could not run pg_ctl start: {e}")))?;
        if out.status.success() {
            return Ok(());
        }
        let tail = fs::read_to_string(&log)
            .map(|s| s.lines().rev().take(3).collect::<Vec<_>>().join(" | "))
            .unwrap_or_default();
        Err(EmbeddedPgError(format!(
            "the embedded PostgreSQL in {} did not start: {} {tail}",
            self.data_dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if self.owned {
            let _ = self.stop();
        }
    }
}

/// The directory holding `initdb` and `pg_ctl`.
fn find_bin_dir() -> Result<PathBuf, EmbeddedPgError> {
    find_tools(&["initdb", "pg_ctl"]).ok_or_else(|| {
        EmbeddedPgError(
            "no database: DATABASE_URL is unset and PostgreSQL's initdb/pg_ctl were not found \
             on PATH or under /usr/lib/postgresql/*/bin. Install PostgreSQL \
             (e.g. `apt-get install postgresql`), set DATABASE_URL, or start one with Docker (README, section Docker)"
                .into(),
        )
    })
}

/// The directory holding all of PostgreSQL's `tools`: `PATH` first, then the newest
/// `/usr/lib/postgresql/*/bin`.
pub fn find_tools(tools: &[&str]) -> Option<PathBuf> {
    let has_tools = |dir: &Path| tools.iter().all(|t| dir.join(t).is_file());
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_tools(&dir) {
                // Resolve symlinks so pg_ctl finds its sibling `postgres` binary.
                let real = fs::canonicalize(dir.join(tools[0]))
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .filter(|d| has_tools(d))
                    .unwrap_or(dir);
                return Some(real);
            }
        }
    }
    let mut candidates: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_tools(&bin).then_some((version, bin))
        })
        .collect();
    candidates.sort();
    candidates.pop().map(|(_, bin)| bin)
}

fn postgres_user_if_root() -> Result<Option<(nix::unistd::Uid, nix::unistd::Gid)>, EmbeddedPgError>
{
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match nix::unistd::User::from_name("postgres") {
        Ok(Some(user)) => Ok(Some((user.uid, user.gid))),
        _ => Err(EmbeddedPgError(
            "running as root, the embedded PostgreSQL must run as the `postgres` system user, \
             which does not exist: install PostgreSQL from your distribution's packages, \
             run as another user, or set DATABASE_URL"
                .into(),
        )),
    }
}

/// Creates the data directory (mode 0700, owned by the user the cluster runs as).
fn prepare_dir(
    dir: &Path,
    run_as: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
) -> Result<PathBuf, EmbeddedPgError> {
    let fail = |e: std::io::Error| {
        EmbeddedPgError(format!(
            "cannot use {} for the embedded PostgreSQL: {e}; set PERFUSION_DATA_DIR to a writable directory",
            dir.display()
        ))
    };
    fs::create_dir_all(dir).map_err(fail)?;
    let dir = fs::canonicalize(dir).map_err(fail)?;
    if let Some((uid, gid)) = run_as {
        nix::unistd::chown(&dir, Some(uid), Some(gid)).map_err(|e| fail(e.into()))?;
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(fail)?;
    if let Some((uid, gid)) = run_as {
        // Every parent must let the postgres user through; say so plainly rather than let
        // initdb fail with a permission error.
        let reachable = Command::new("/bin/sh")
            .args(["-c", r#"test -w "$1" && test -x "$1""#, "sh"])
            .arg(&dir)
            .current_dir("/")
            .uid(uid.as_raw())
            .gid(gid.as_raw())
            .status()
            .is_ok_and(|s| s.success());
        if !reachable {
            return Err(EmbeddedPgError(format!(
                "the embedded PostgreSQL runs as the `postgres` user, which cannot reach {} \
                 (a parent directory is private); set PERFUSION_DATA_DIR to a directory it can \
                 reach (e.g. /var/tmp/perfusion-pg), or set DATABASE_URL",
                dir.display()
            )));
        }
    }
    Ok(dir)
}

fn write_private(
    path: &Path,
    contents: &str,
    run_as: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
) -> Result<(), EmbeddedPgError> {
    let fail =
        |e: std::io::Error| EmbeddedPgError(format!("could not write {}: {e}", path.display()));
    fs::write(path, contents).map_err(fail)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(fail)?;
    if let Some((uid, gid)) = run_as {
        nix::unistd::chown(path, Some(uid), Some(gid)).map_err(|e| fail(e.into()))?;
    }
    Ok(())
}

/// The port of a cluster already running on this directory, from its `postmaster.pid`.
fn running_port(data_dir: &Path) -> Option<u16> {
    let pid_file = fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    let mut lines = pid_file.lines();
    let pid: i32 = lines.next()?.trim().parse().ok()?;
    let port: u16 = lines.nth(2)?.trim().parse().ok()?;
    let alive = match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(e) => e == nix::errno::Errno::EPERM,
    };
    alive.then_some(port)
}

fn free_port() -> Result<u16, EmbeddedPgError> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| {
            EmbeddedPgError(format!(
                "no free loopback port for the embedded PostgreSQL: {e}"
            ))
        })
}

//! Backups of the service's database (`perfusion-api backup` and `restore`), made and read by
//! PostgreSQL's own `pg_dump`, `pg_restore` and `psql`, found where the embedded cluster's
//! programs are found.
//!
//! A backup is a `pg_dump` archive in the custom format. It is written beside its final name,
//! readable by its owner only (it holds subscribers' personal data), and renamed into place once
//! complete, so a failed backup never leaves a truncated file under that name.
//!
//! A restore first checks that the file is an archive, then refuses a database that is not empty
//! or that other sessions are using, unless forced. It runs in one transaction (our own `BEGIN`
//! and `COMMIT` around `pg_restore`'s script, played by `psql`, which is `--single-transaction`
//! plus emptying the public schema first): the database ends as exactly the backup, or, when
//! anything fails, as it was.
//!
//! The password never reaches a command line, where `ps` shows it: the programs get the URL
//! without it, and the password in their own `PGPASSWORD`. Every call here blocks.

use std::{
    fmt,
    fs::{self, File, OpenOptions},
    io::{self, Read, Write},
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread::JoinHandle,
};

use crate::{embedded_pg::find_tools, response_cache::CHANNEL};

/// Why a backup or a restore did not happen; one line meant for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackupError(String);

/// A database to back up or restore into, and the PostgreSQL programs that do it.
pub struct Database {
    /// The URL without its password, for the programs' `--dbname`.
    conninfo: String,
    password: Option<String>,
    /// "database perfusion on 127.0.0.1:5432", for messages.
    shown: String,
    bin_dir: PathBuf,
}

/// What a restore may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Only an empty database that no one else is connected to.
    Refuse,
    /// Whatever the database holds, even with other sessions connected.
    Force,
}

/// Empties the public schema and makes it again as PostgreSQL (15 and newer) makes it for a
/// new database, so that after the archive's own statements it holds exactly the backup.
const EMPTY_PUBLIC_SCHEMA: &str = "DROP SCHEMA IF EXISTS public CASCADE;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';
";

/// Counts, in the public schema: tables; tables, views, sequences and functions; and other
/// client sessions on this database.
const STATE_QUERY: &str = "SELECT \
    (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')), \
    (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
      WHERE n.nspname = 'public') \
    + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
      WHERE n.nspname = 'public'), \
    (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
      AND pid <> pg_backend_pid() AND backend_type = 'client backend')";

impl Database {
    /// The database at `database_url`, and the directory of `pg_dump`, `pg_restore` and `psql`.
    pub fn new(database_url: &str) -> Result<Self, BackupError> {
        let mut url = url::Url::parse(database_url)
            .map_err(|e| BackupError(format!("DATABASE_URL is not a valid URL: {e}")))?;
        let mut password = url.password().map(decode);
        let _ = url.set_password(None);
        // A password given as a parameter (`?password=…`) goes the same way.
        let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        url.set_query(None);
        for (key, value) in params {
            if key == "password" {
                password = Some(value);
            } else {
                url.query_pairs_mut().append_pair(&key, &value);
            }
        }
        let shown = format!(
            "database {} on {}:{}",
            decode(url.path().trim_start_matches('/')),
            url.host_str().unwrap_or("localhost"),
            url.port().unwrap_or(5432)
        );
        let bin_dir = find_tools(&["pg_dump", "pg_restore", "psql"]).ok_or_else(|| {
            BackupError(
                "pg_dump, pg_restore and psql were not found on PATH or under \
                 /usr/lib/postgresql/*/bin: install PostgreSQL's client programs \
                 (e.g. `apt-get install postgresql-client`)"
                    .into(),
            )
        })?;
        Ok(Self {
            conninfo: url.to_string(),
            password,
            shown,
            bin_dir,
        })
    }

    /// Writes a backup of the whole database to `out` (mode 0600); returns its size in bytes.
    pub fn backup(&self, out: &Path) -> Result<u64, BackupError> {
        let name = out
            .file_name()
            .ok_or_else(|| BackupError(format!("--out {} does not name a file", out.display())))?;
        let partial = out.with_file_name(format!(
            ".{}.{}.partial",
            name.to_string_lossy(),
            std::process::id()
        ));
        let cannot_write =
            |e: io::Error| BackupError(format!("cannot write {}: {e}", out.display()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&partial)
            .map_err(cannot_write)?;
        let written = self.dump_into(&file).and_then(|()| {
            file.sync_all()
                .and_then(|()| fs::rename(&partial, out))
                .map_err(cannot_write)
        });
        if let Err(e) = written {
            let _ = fs::remove_file(&partial);
            return Err(e);
        }
        // The rename itself is durable once the directory is.
        let dir = out.parent().filter(|d| !d.as_os_str().is_empty());
        let _ = File::open(dir.unwrap_or(Path::new("."))).and_then(|d| d.sync_all());
        file.metadata()
            .map(|m| m.len())
            .map_err(|e| BackupError(format!("cannot read {}: {e}", out.display())))
    }

    fn dump_into(&self, file: &File) -> Result<(), BackupError> {
        let stdout = file
            .try_clone()
            .map_err(|e| BackupError(format!("cannot write the backup: {e}")))?;
        run(self
            .command("pg_dump")
            .args(["--format=custom", "--no-password"])
            .arg(self.dbname())
            .stdout(stdout))
        .map(drop)
    }

    /// Restores the backup `archive`: refused, with nothing changed, when it is not an archive,
    /// and (unless `Overwrite::Force`) when the database is not empty or others are connected.
    pub fn restore(&self, archive: &Path, overwrite: Overwrite) -> Result<(), BackupError> {
        run(self.command("pg_restore").arg("--list").arg(archive)).map_err(|e| {
            BackupError(format!(
                "{} is not a backup that pg_restore can read ({e}); nothing was changed",
                archive.display()
            ))
        })?;
        let state = run(self
            .command("psql")
            .args(["-X", "-q", "-A", "-t", "-F", " ", "--no-password"])
            .arg(self.dbname())
            .args(["-c", STATE_QUERY]))?;
        let [tables, objects, sessions] = parse_counts(&state)?;
        if overwrite == Overwrite::Refuse && objects > 0 {
            return Err(BackupError(format!(
                "{self} is not empty ({tables} tables); a restore replaces everything in it: \
                 add --force to go ahead"
            )));
        }
        if overwrite == Overwrite::Refuse && sessions > 0 {
            return Err(BackupError(format!(
                "{self} is in use by {sessions} other session(s) (is the service running? \
                 stop it first); add --force to restore anyway"
            )));
        }
        self.play(archive, objects > 0)
    }

    /// Plays the archive's script into the database in one transaction, after emptying the
    /// public schema when `replace`; commits only when the whole script was read.
    fn play(&self, archive: &Path, replace: bool) -> Result<(), BackupError> {
        let mut script = spawn(
            self.command("pg_restore")
                .args(["--file=-", "--no-owner"])
                .arg(archive)
                .stdout(Stdio::piped()),
        )?;
        let mut psql = match spawn(
            self.command("psql")
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "--no-password"])
                .arg(self.dbname())
                .stdin(Stdio::piped())
                .stdout(Stdio::null()),
        ) {
            Ok(psql) => psql,
            Err(e) => {
                let _ = script.kill();
                let _ = script.wait();
                return Err(e);
            }
        };
        let script_errors = read_stderr(&mut script);
        let psql_errors = read_stderr(&mut psql);
        let mut input = psql.stdin.take().expect("psql's stdin is piped");
        let mut output = script.stdout.take().expect("pg_restore's stdout is piped");

        let prelude = format!(
            "SET client_min_messages = warning;\nSET statement_timeout = 0;\nBEGIN;\n{}",
            if replace { EMPTY_PUBLIC_SCHEMA } else { "" }
        );
        let fed = input
            .write_all(prelude.as_bytes())
            .and_then(|()| io::copy(&mut output, &mut input));
        drop(output); // pg_restore stops when psql is gone
        let read_whole = script.wait().is_ok_and(|s| s.success());
        // A running service's response cache hears of the new contents at the commit.
        let committed = fed.is_ok()
            && read_whole
            && input
                .write_all(
                    format!("SELECT pg_notify('{CHANNEL}', 'restore');\nCOMMIT;\n").as_bytes(),
                )
                .is_ok();
        drop(input); // without a COMMIT, psql's session ends and the transaction rolls back
        let played = psql.wait().is_ok_and(|s| s.success());
        let script_errors = script_errors.join().unwrap_or_default();
        let psql_errors = psql_errors.join().unwrap_or_default();
        match (played, committed) {
            (true, true) => Ok(()),
            (false, _) => Err(BackupError(format!(
                "the restore failed and was rolled back, nothing was changed: {}",
                one_line(&psql_errors)
            ))),
            (true, false) => Err(BackupError(format!(
                "pg_restore could not read all of the backup, nothing was changed: {}",
                one_line(&script_errors)
            ))),
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        cmd.env("PGCONNECT_TIMEOUT", "10").stdin(Stdio::null());
        if let Some(password) = &self.password {
            cmd.env("PGPASSWORD", password);
        }
        cmd
    }

    fn dbname(&self) -> String {
        format!("--dbname={}", self.conninfo)
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Runs `cmd` to the end; its standard output, or its standard error as one line.
fn run(cmd: &mut Command) -> Result<String, BackupError> {
    let out = cmd
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| cannot_run(cmd, e))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(BackupError(one_line(&String::from_utf8_lossy(&out.stderr))))
    }
}

fn spawn(cmd: &mut Command) -> Result<Child, BackupError> {
    cmd.stderr(Stdio::piped())
        .spawn()
        .map_err(|e| cannot_run(cmd, e))
}

fn cannot_run(cmd: &Command, e: io::Error) -> BackupError {
    BackupError(format!(
        "could not run {}: {e}",
        cmd.get_program().to_string_lossy()
    ))
}

/// Reads a child's standard error on a thread of its own, so that neither side waits on a
/// full pipe.
fn read_stderr(child: &mut Child) -> JoinHandle<String> {
    let mut stderr = child.stderr.take().expect("stderr is piped");
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    })
}

fn parse_counts(text: &str) -> Result<[u64; 3], BackupError> {
    let numbers: Vec<u64> = text
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    numbers
        .try_into()
        .map_err(|_| BackupError(format!("unexpected answer from psql: {}", one_line(text))))
}

/// A program's message as one line, cut short when long (an error quoting a row can be).
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(url: &str) -> (String, Option<String>, String) {
        let db = Database::new(url).expect("psql and pg_dump are installed");
        (db.conninfo, db.password, db.shown)
    }

    #[test]
    fn the_password_is_kept_apart_from_the_url() {
        let (conninfo, password, shown) =
            fields("postgres://app:s%40cret+x@db.example:6543/perfusion?sslmode=require");
        assert_eq!(
            conninfo,
            "postgres://app@db.example:6543/perfusion?sslmode=require"
        );
        assert_eq!(password.as_deref(), Some("s@cret+x"));
        assert_eq!(shown, "database perfusion on db.example:6543");
    }

    #[test]
    fn a_password_parameter_is_kept_apart_too() {
        let (conninfo, password, _) =
            fields("postgres://app@localhost/perfusion?password=hush&sslmode=disable");
        assert_eq!(
            conninfo,
            "postgres://app@localhost/perfusion?sslmode=disable"
        );
        assert_eq!(password.as_deref(), Some("hush"));
    }

    #[test]
    fn a_url_without_a_password_has_none() {
        let (conninfo, password, shown) = fields("postgresql://localhost/perfusion");
        assert_eq!(conninfo, "postgresql://localhost/perfusion");
        assert_eq!(password, None);
        assert_eq!(shown, "database perfusion on localhost:5432");
    }
}

//! The connection pool, the embedded migrations, and creating the database when it is missing.

use std::time::Duration;

use deadpool::Runtime;
use diesel::migration::MigrationSource;
use diesel::{sql_query, sql_types::Text, QueryableByName};
use diesel_async::{
    async_connection_wrapper::AsyncConnectionWrapper,
    pooled_connection::{
        deadpool::Pool, AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
    },
    AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection,
};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// Every migration in `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type DbPool = Pool<AsyncPgConnection>;

/// A connection taken from the pool (back to it when dropped).
pub type PooledConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

/// Why the database could not be prepared; one line meant for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DbSetupError(pub String);

/// A pool that connects lazily: building it never fails because the database is down, and a
/// broken connection is replaced on its next use, so the service recovers after an outage.
/// Every connection has `statement_timeout` set, so no query runs longer than that; waiting for
/// a connection, making one and checking one are each bounded by `wait` (the request timeout),
/// so an outage is answered quickly.
///
/// A connection taken from the pool is not pinged first (`RecyclingMethod::Fast`): that would
/// be a second round trip for every request. A connection whose server went away is dropped
/// without one when its socket task has ended (`is_closed`); a failed write checks its
/// connection and marks a dead one broken (`write`), so the next request never gets it; a read
/// on a connection that died since its last use fails with a 503 and the connection is
/// replaced; a server that stops answering is bounded by the request deadline.
pub fn pool(
    database_url: &str,
    max_size: usize,
    statement_timeout: Duration,
    wait: Duration,
) -> DbPool {
    build_pool(database_url, max_size, statement_timeout, wait, "")
}

/// A pool for a background worker whose writes can be redone: its commits do not wait for the
/// WAL to reach the disk (`synchronous_commit = off`), so they do not queue with the requests'
/// own commits. Only for work that a crash may undo without harm: the webhook worker's records
/// of attempts, fan-out and claims (a lost record means the delivery is sent again, with the
/// same webhook-id, which receivers are told to expect). Never for what a request acknowledges.
pub fn background_pool(
    database_url: &str,
    max_size: usize,
    statement_timeout: Duration,
    wait: Duration,
) -> DbPool {
    // READ COMMITTED whatever the server's default: the webhook worker's turn relies on each
    // statement seeing what committed before it (`models::webhook::lock_turn`).
    let session = "; SET synchronous_commit = off; \
                   SET default_transaction_isolation = 'read committed'";
    build_pool(database_url, max_size, statement_timeout, wait, session)
}

fn build_pool(
    database_url: &str,
    max_size: usize,
    statement_timeout: Duration,
    wait: Duration,
    session: &'static str,
) -> DbPool {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let timeout_ms = statement_timeout.as_millis();
    config.custom_setup = Box::new(move |url| {
        let url = url.to_owned();
        Box::pin(async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            conn.batch_execute(&format!(
                "SET statement_timeout = {timeout_ms}; \
                 SET idle_in_transaction_session_timeout = {}{session}",
                timeout_ms.max(1000) * 5
            ))
            .await
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(wait))
        .create_timeout(Some(wait))
        .recycle_timeout(Some(wait))
        .build()
        .expect("a pool with a runtime and timeouts always builds")
}

/// Creates the database named in `database_url` when it does not exist yet.
pub async fn create_database_if_missing(database_url: &str) -> Result<(), DbSetupError> {
    let mut url = url::Url::parse(database_url)
        .map_err(|e| DbSetupError(format!("DATABASE_URL is not a valid URL: {e}")))?;
    let name = url.path().trim_start_matches('/').to_owned();
    if name.is_empty() {
        return Err(DbSetupError(
            "DATABASE_URL must name a database, e.g. postgres://user:pass@host/perfusion".into(),
        ));
    }
    let name = percent_decode(&name);
    url.set_path("/postgres");
    let mut conn = connect(url.as_str()).await?;

    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Text)]
        #[allow(dead_code)]
        datname: String,
    }
    let found: Vec<Found> = sql_query("SELECT datname FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(&name)
        .load(&mut conn)
        .await
        .map_err(|e| DbSetupError(format!("could not look up database {name}: {e}")))?;
    if found.is_empty() {
        match sql_query(format!("CREATE DATABASE {}", quote_ident(&name)))
            .execute(&mut conn)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created the database"),
            // Another process created it at the same moment: fine.
            Err(e) if e.to_string().contains("already exists") => {}
            Err(e) => {
                return Err(DbSetupError(format!(
                    "could not create database {name}: {e}"
                )))
            }
        }
    }
    Ok(())
}

/// The advisory lock that several instances starting at once take around their migrations.
const MIGRATION_LOCK: i64 = 0x7065_7266_7573; // "perfus"

/// Makes the database ready to serve: creates it if missing, then applies pending migrations.
pub async fn prepare(database_url: &str) -> Result<(), DbSetupError> {
    create_database_if_missing(database_url).await?;
    run_migrations(database_url).await
}

/// Logs a warning when the server words its errors in another language than English: a lost
/// backend, a statement timeout or a deadlock is then a 500 instead of a 503 to retry (see
/// `errors::is_connection_failure`).
pub async fn warn_unless_messages_in_english(database_url: &str) {
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        lc_messages: String,
    }
    let Ok(mut conn) = AsyncPgConnection::establish(database_url).await else {
        return;
    };
    let query = sql_query("SELECT current_setting('lc_messages') AS lc_messages");
    if let Ok(Setting { lc_messages }) = query.get_result::<Setting>(&mut conn).await {
        if !messages_are_english(&lc_messages) {
            tracing::warn!(
                lc_messages,
                "PostgreSQL sends its messages in another language: set lc_messages = 'C' on \
                 the server, or a lost connection, a statement timeout or a deadlock answers 500 \
                 instead of 503"
            );
        }
    }
}

/// Whether an `lc_messages` value means English messages (`C`, `POSIX`, `en_US.UTF-8`, or unset).
fn messages_are_english(lc_messages: &str) -> bool {
    let lc = lc_messages.trim();
    lc.is_empty() || lc == "C" || lc.starts_with("C.") || lc == "POSIX" || lc.starts_with("en")
}

/// Applies pending migrations. Runs on a blocking thread (diesel's migration harness is sync).
pub async fn run_migrations(database_url: &str) -> Result<(), DbSetupError> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)
                .map_err(|e| DbSetupError(cannot_connect(&e.to_string())))?;
        // One instance at a time: others wait here, then find nothing left to apply.
        diesel::RunQueryDsl::execute(
            sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")),
            &mut conn,
        )
        .map_err(|e| DbSetupError(format!("could not take the migration lock: {e}")))?;
        conn.run_pending_migrations(MIGRATIONS)
            .map(|applied| {
                if !applied.is_empty() {
                    tracing::info!(count = applied.len(), "applied database migrations");
                }
            })
            .map_err(|e| DbSetupError(format!("database migration failed: {e}")))
    })
    .await
    .map_err(|e| DbSetupError(format!("database migration task failed: {e}")))?
}

/// True when every embedded migration has been applied to the database behind `conn`.
pub async fn is_migrated(conn: &mut AsyncPgConnection) -> diesel::QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = Text)]
        version: String,
    }
    let applied: Vec<Version> = sql_query("SELECT version FROM __diesel_schema_migrations")
        .load(conn)
        .await?;
    let wanted = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map_err(diesel::result::Error::QueryBuilderError)?;
    Ok(wanted.iter().all(|m| {
        let v = m.name().version().to_string();
        applied.iter().any(|a| a.version == v)
    }))
}

async fn connect(url: &str) -> Result<AsyncPgConnection, DbSetupError> {
    match tokio::time::timeout(Duration::from_secs(10), AsyncPgConnection::establish(url)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(DbSetupError(cannot_connect(&e.to_string()))),
        Err(_) => Err(DbSetupError(cannot_connect("timed out after 10 s"))),
    }
}

fn cannot_connect(cause: &str) -> String {
    format!(
        "cannot reach the database ({cause}). Check DATABASE_URL, or unset it to use an \
         embedded PostgreSQL (needs PostgreSQL installed), or start one with Docker (README, section Docker)"
    )
}

/// Quotes an SQL identifier (doubling any `"` inside).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_owned())
}

/// A short fingerprint of the embedded migrations (their names and SQL), to name things that
/// depend on the schema, such as the tests' template database.
pub const MIGRATIONS_FINGERPRINT: &str = env!("PERFUSION_MIGRATIONS_FINGERPRINT");

/// A connection inside an open transaction. Every function in `models` that writes takes one,
/// and only [`write`] makes one, so no write can run as an autocommit statement: PostgreSQL
/// commits an autocommit statement after it has sent the returned rows, and a connection lost
/// in between would take a write with it that the client was already told had succeeded.
/// Reads work through it too (it derefs to the connection).
pub struct Tx<'c>(&'c mut AsyncPgConnection);

impl std::ops::Deref for Tx<'_> {
    type Target = AsyncPgConnection;
    fn deref(&self) -> &AsyncPgConnection {
        self.0
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        self.0
    }
}

/// The future of a closure given to [`write`], named so that it can be required to be `Send`
/// (the same device diesel-async uses for its own `transaction`).
pub trait TxWork<A, R>: AsyncFnOnce(A) -> R + FnOnce(A) -> <Self as TxWork<A, R>>::Fut {
    type Fut: std::future::Future<Output = R>;
}

impl<F, A, Fut, R> TxWork<A, R> for F
where
    F: AsyncFnOnce(A) -> R + FnOnce(A) -> Fut,
    Fut: std::future::Future<Output = R>,
{
    type Fut = Fut;
}

/// Runs `work` in one transaction and returns only once PostgreSQL has confirmed the COMMIT.
/// An error from `work` rolls everything back. A connection lost before the COMMIT's answer
/// is an error too, so a caller never acknowledges a write whose commit it did not see.
pub async fn write<T, E, F>(conn: &mut AsyncPgConnection, work: F) -> Result<T, E>
where
    F: for<'r, 'c> TxWork<&'r mut Tx<'c>, Result<T, E>, Fut: Send> + Send,
    E: From<diesel::result::Error> + Send,
    T: Send,
{
    let result = conn
        .transaction::<T, E, _>(async move |c| work(&mut Tx(c)).await)
        .await;
    if result.is_err() {
        forget_if_lost(conn).await;
    }
    result
}

/// After a failed write: a connection that no longer answers is marked broken, so the pool
/// drops it rather than hand it to the next request (the pool does not ping before each use,
/// and a backend killed during a COMMIT can leave the connection looking usable). One round
/// trip, on failures only.
async fn forget_if_lost(conn: &mut AsyncPgConnection) {
    use diesel::{sql_types::Integer, IntoSql};
    use diesel_async::{AnsiTransactionManager, TransactionManager};
    let alive = diesel::select(1_i32.into_sql::<Integer>())
        .execute(&mut *conn)
        .await
        .is_ok();
    if !alive {
        <AnsiTransactionManager as TransactionManager<AsyncPgConnection>>::transaction_manager_status_mut(conn)
            .set_in_error();
    }
}

#[cfg(test)]
mod tests {
    use super::messages_are_english;

    #[test]
    fn english_and_c_messages_are_recognised_and_others_are_not() {
        for lc in ["C", "C.UTF-8", "POSIX", "en_US.UTF-8", "en_GB", ""] {
            assert!(messages_are_english(lc), "{lc}");
        }
        for lc in ["de_DE.UTF-8", "fr_FR", "ja_JP.UTF-8"] {
            assert!(!messages_are_english(lc), "{lc}");
        }
    }
}

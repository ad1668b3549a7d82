//! `perfusion-api`: configuration → telemetry → database (embedded when `DATABASE_URL` is
//! unset) → migrations → serve; or one of the commands in `cli`. Failures print one line and
//! exit non-zero.

use std::{io::BufRead, path::Path, process::ExitCode};

use clap::Parser;
use perfusion_api::{
    auth::hash_password,
    backup::{self, Overwrite},
    cli::{AdminCommand, Cli, Command, RoleArg},
    config::{DatabaseSetting, Settings},
    db,
    domain::{BoundedText, Email, Password, Role},
    embedded_pg::{ClusterKind, EmbeddedPostgres},
    models::admin_user::{self, NewAdminUser},
    openapi,
    startup::Application,
    telemetry,
};

const DATABASE_NAME: &str = "perfusion";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Openapi) => {
            print!("{}", openapi::spec_json());
            Ok(())
        }
        Some(Command::Admin(AdminCommand::Create { email, role, name })) => {
            admin_create(&email, role, name.as_deref())
        }
        Some(Command::Healthcheck { addr }) => healthcheck(addr),
        Some(Command::Backup { out }) => backup(&out),
        Some(Command::Restore { file, force }) => restore(&file, force),
        None | Some(Command::Serve) => serve(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("perfusion-api: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn healthcheck(addr: Option<std::net::SocketAddr>) -> anyhow::Result<()> {
    let addr = match addr {
        Some(addr) => addr,
        None => Settings::from_env()?.bind_addr,
    };
    perfusion_api::cli::healthcheck(addr).map_err(anyhow::Error::msg)
}

/// The database to use, and the embedded cluster when we started one.
fn database(settings: &Settings) -> anyhow::Result<(String, Option<EmbeddedPostgres>)> {
    match &settings.database {
        DatabaseSetting::Url(url) => Ok((url.expose().to_owned(), None)),
        DatabaseSetting::Embedded { data_dir } => {
            tracing::info!(data_dir = %data_dir.display(), "DATABASE_URL is unset: starting the embedded PostgreSQL");
            let pg = EmbeddedPostgres::start(ClusterKind::Persistent(data_dir.clone()))?;
            tracing::info!(port = pg.port(), "embedded PostgreSQL is running");
            Ok((pg.url(DATABASE_NAME), Some(pg)))
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn serve() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.app_env);
    let (url, mut embedded) = database(&settings)?;
    let result = runtime()?.block_on(async {
        let app = Application::build(&settings, &url)?;
        tracing::info!(addr = %settings.bind_addr, port = app.port(), "serving; docs at /docs/");
        app.run_until_stopped().await?;
        tracing::info!("stopped accepting requests; in-flight requests finished");
        anyhow::Ok(())
    });
    if let Some(pg) = embedded.as_mut() {
        pg.stop()?;
        tracing::info!("embedded PostgreSQL stopped");
    }
    result
}

/// `backup --out FILE`. No telemetry, here and in `restore`: the one line printed is the answer.
fn backup(out: &Path) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    if let DatabaseSetting::Embedded { data_dir } = &settings.database {
        // Starting the cluster would make an empty one: say what is missing instead.
        anyhow::ensure!(
            data_dir.join("PG_VERSION").exists(),
            "there is no embedded database in {} to back up (set PERFUSION_DATA_DIR, or DATABASE_URL)",
            data_dir.display()
        );
    }
    let (url, mut embedded) = database(&settings)?;
    let result = backup::Database::new(&url).and_then(|db| db.backup(out));
    if let Some(pg) = embedded.as_mut() {
        pg.stop()?;
    }
    let bytes = result?;
    println!("backed up to {} ({bytes} bytes)", out.display());
    Ok(())
}

/// `restore FILE [--force]`, into the database `serve` would use (created if missing, never
/// migrated: a migrated database is not empty).
fn restore(file: &Path, force: bool) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let overwrite = if force {
        Overwrite::Force
    } else {
        Overwrite::Refuse
    };
    let (url, mut embedded) = database(&settings)?;
    let result = runtime()?
        .block_on(db::create_database_if_missing(&url))
        .map_err(anyhow::Error::from)
        .and_then(|()| {
            let db = backup::Database::new(&url)?;
            db.restore(file, overwrite)?;
            Ok(db)
        });
    if let Some(pg) = embedded.as_mut() {
        pg.stop()?;
    }
    println!("restored {} from {}", result?, file.display());
    Ok(())
}

fn admin_create(email: &str, role: RoleArg, name: Option<&str>) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.app_env);
    let email = Email::parse(email).map_err(|m| anyhow::anyhow!("--email {m}"))?;
    let display_name = match name {
        Some(n) => BoundedText::<1, 100>::parse(n)
            .map_err(|m| anyhow::anyhow!("--name {m}"))?
            .into_inner(),
        None => email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("admin")
            .to_owned(),
    };
    let password = match std::env::var("PERFUSION_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            eprintln!(
                "Password for {} (at least {} characters), then Enter:",
                email.as_str(),
                Password::MIN_LEN
            );
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let password = Password::parse(&password).map_err(|m| anyhow::anyhow!("the password {m}"))?;
    let role = match role {
        RoleArg::Admin => Role::Admin,
        RoleArg::Editor => Role::Editor,
    };
    let (url, mut embedded) = database(&settings)?;
    let result = runtime()?.block_on(async {
        db::create_database_if_missing(&url).await?;
        db::run_migrations(&url).await?;
        let mut conn =
            <diesel_async::AsyncPgConnection as diesel_async::AsyncConnection>::establish(&url)
                .await?;
        let new = NewAdminUser {
            email: email.to_lowercase(),
            display_name,
            password_hash: hash_password(password.expose()),
            role,
        };
        let user =
            perfusion_api::db::write(&mut conn, async |tx| admin_user::upsert(tx, &new).await)
                .await?;
        println!(
            "admin user {} ({}) is ready, id {}",
            user.email,
            user.role.as_str(),
            user.id
        );
        anyhow::Ok(())
    });
    if let Some(pg) = embedded.as_mut() {
        pg.stop()?;
    }
    result
}

//! The command line: serve (the default), `admin create`, `openapi`, `healthcheck`, `backup`
//! and `restore`.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    path::PathBuf,
    time::Duration,
};

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "perfusion-api",
    version,
    about = "The Perfusion Partners API server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Print the OpenAPI document (as committed in openapi/openapi.json).
    Openapi,
    /// Manage admin users.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Exit 0 when the server on BIND_ADDR (or --addr) answers 200 on /health/ready, else 1.
    /// For container health checks: the image has no curl.
    Healthcheck {
        /// The server's address (default: BIND_ADDR, with 0.0.0.0 read as 127.0.0.1).
        #[arg(long)]
        addr: Option<SocketAddr>,
    },
    /// Back up the database to FILE (a pg_dump archive, readable by its owner only).
    ///
    /// The database is the one `serve` uses: the embedded cluster, or DATABASE_URL's. The file
    /// holds subscribers' personal data.
    Backup {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Restore the database from FILE, a backup made by `backup`. Stop the service first.
    ///
    /// A database that is not empty (anything in its public schema, as once the service has run
    /// on it), or that other sessions use, is refused unless --force; the database then becomes
    /// exactly the backup, in one transaction. A file that is not a backup changes nothing.
    Restore {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Replace whatever the database holds, even while others are connected.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin user, or reset the password and role of an existing one. The password is
    /// read from PERFUSION_ADMIN_PASSWORD or standard input, never from the command line.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The public display name (default: the part of the email before the @).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Editor,
}

/// Asks the server at `addr` for `/health/ready` over plain HTTP/1.1 (5 s at most); `Ok` when
/// it answers 200, else what it answered or why it could not be asked.
pub fn healthcheck(addr: SocketAddr) -> Result<(), String> {
    let timeout = Duration::from_secs(5);
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|_| stream.set_write_timeout(Some(timeout)))
        .and_then(|_| {
            stream.write_all(
                format!("GET /health/ready HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
        })
        .map_err(|e| format!("cannot ask {addr}: {e}"))?;
    let mut head = [0u8; 64];
    let n = stream
        .read(&mut head)
        .map_err(|e| format!("no answer from {addr}: {e}"))?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    let status_line = status_line.lines().next().unwrap_or_default();
    if status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.0 200") {
        Ok(())
    } else {
        Err(format!("{addr} is not ready: {status_line}"))
    }
}

//! A throwaway local database server for `dry-run` when none is configured: PostgreSQL from the
//! machine's `initdb` / `pg_ctl`, or MariaDB from `mariadb-install-db` / `mariadbd`, in a
//! temporary folder on a free port, removed afterwards (also when dropped after an error).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::client::DbError;
use crate::sql::server::Flavor;

/// A running temporary server.
pub struct Embedded {
    pub flavor: Flavor,
    pub port: u16,
    /// `postgresql://postgres@127.0.0.1:PORT/postgres` or `mysql://root@127.0.0.1:PORT/`.
    pub url: String,
    /// What was started, for messages ("PostgreSQL from /usr/lib/postgresql/15/bin").
    pub description: String,
    dir: PathBuf,
    pg_ctl: Option<(PathBuf, Option<String>)>,
    child: Option<Child>,
}

fn error(message: impl Into<String>) -> DbError {
    DbError::Connect(message.into())
}

fn free_port() -> Result<u16, DbError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| error(format!("no free local port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| error(format!("no free local port: {e}")))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The folder holding `initdb` and `pg_ctl`: `pg_config --bindir`, the newest
/// /usr/lib/postgresql/*/bin, or the PATH.
pub(crate) fn postgres_bindir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").is_file() {
            return Some(dir);
        }
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let bin = e.path().join("bin");
            let version = crate::sql::server::parse_version(&e.file_name().to_string_lossy())?;
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    find_in_path(&["initdb"])
        .and_then(|initdb| initdb.parent().map(Path::to_path_buf))
        .filter(|dir| dir.join("pg_ctl").is_file())
}

fn find_in_path(names: &[&str]) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&paths).collect();
    dirs.extend(["/usr/sbin", "/usr/bin", "/usr/local/bin"].map(PathBuf::from));
    for name in names {
        for dir in &dirs {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Runs `program args`, as `user` when given (PostgreSQL refuses to run as root).
fn run(program: &Path, args: &[&str], user: Option<&str>) -> Result<(), DbError> {
    let mut command = match user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    let output = command
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| error(format!("cannot run {}: {e}", program.display())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(error(format!(
            "{} failed: {}",
            program.display(),
            stderr.trim().lines().last().unwrap_or("no message")
        )));
    }
    Ok(())
}

fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn temp_dir(kind: &str) -> Result<PathBuf, DbError> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir =
        std::env::temp_dir().join(format!("flyway-lsp-{kind}-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| error(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

impl Embedded {
    /// Starts a temporary server for `flavor` (MySQL folders run on MariaDB when that is what
    /// the machine has).
    pub fn start(flavor: Flavor) -> Result<Embedded, DbError> {
        match flavor {
            Flavor::Postgres => Embedded::start_postgres(),
            _ => Embedded::start_mariadb(flavor),
        }
    }

    fn start_postgres() -> Result<Embedded, DbError> {
        let bindir = postgres_bindir().ok_or_else(|| {
            error("no database configured, and no PostgreSQL server binaries (initdb, pg_ctl) to start a temporary one: install PostgreSQL's server package, or set `url` / pass --url")
        })?;
        let dir = temp_dir("pg")?;
        let user = is_root().then(|| "postgres".to_string());
        if let Some(user) = &user {
            let status = Command::new("chown")
                .args([user.as_str(), &dir.to_string_lossy()])
                .status();
            if !status.is_ok_and(|s| s.success()) {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(error("running as root, and cannot hand the temporary folder to the postgres user (initdb refuses to run as root)"));
            }
        }
        let data = dir.join("data");
        let port = free_port()?;
        let mut embedded = Embedded {
            flavor: Flavor::Postgres,
            port,
            url: format!("postgresql://postgres@127.0.0.1:{port}/postgres"),
            description: format!("a temporary PostgreSQL from {}", bindir.display()),
            dir: dir.clone(),
            pg_ctl: None,
            child: None,
        };
        run(
            &bindir.join("initdb"),
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            user.as_deref(),
        )?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -F",
            dir.display()
        );
        run(
            &bindir.join("pg_ctl"),
            &[
                "-D",
                &data.to_string_lossy(),
                "-o",
                &options,
                "-l",
                &dir.join("server.log").to_string_lossy(),
                "-w",
                "-t",
                "60",
                "start",
            ],
            user.as_deref(),
        )?;
        embedded.pg_ctl = Some((bindir.join("pg_ctl"), user));
        if !wait_for_port(port, Duration::from_secs(30)) {
            return Err(error("the temporary PostgreSQL did not start listening"));
        }
        Ok(embedded)
    }

    fn start_mariadb(flavor: Flavor) -> Result<Embedded, DbError> {
        let install = find_in_path(&["mariadb-install-db", "mysql_install_db"]);
        let server = find_in_path(&["mariadbd", "mysqld"]);
        let (Some(install), Some(server)) = (install, server) else {
            return Err(error("no database configured, and no MariaDB/MySQL server binaries (mariadb-install-db, mariadbd) to start a temporary one: install mariadb-server, or set `url` / pass --url"));
        };
        let dir = temp_dir("mariadb")?;
        let data = dir.join("data");
        let port = free_port()?;
        let mut embedded = Embedded {
            flavor,
            port,
            url: format!("mysql://root@127.0.0.1:{port}/"),
            description: format!("a temporary MariaDB from {}", server.display()),
            dir: dir.clone(),
            pg_ctl: None,
            child: None,
        };
        let root = is_root();
        let mut install_args = vec![
            "--no-defaults".to_string(),
            format!("--datadir={}", data.display()),
            "--auth-root-authentication-method=normal".to_string(),
            "--skip-test-db".to_string(),
        ];
        if root {
            install_args.push("--user=root".into());
        }
        let args: Vec<&str> = install_args.iter().map(String::as_str).collect();
        run(&install, &args, None)?;
        let mut command = Command::new(&server);
        command
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", dir.join("mysqld.sock").display()))
            .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
            .arg("--skip-log-bin")
            .arg("--innodb-buffer-pool-size=32M")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if root {
            command.arg("--user=root");
        }
        let child = command
            .spawn()
            .map_err(|e| error(format!("cannot start {}: {e}", server.display())))?;
        embedded.child = Some(child);
        if !wait_for_port(port, Duration::from_secs(60)) {
            return Err(error("the temporary MariaDB did not start listening"));
        }
        Ok(embedded)
    }

    /// Stops the server and removes its folder.
    fn stop(&mut self) {
        if let Some((pg_ctl, user)) = self.pg_ctl.take() {
            let data = self.dir.join("data");
            let _ = run(
                &pg_ctl,
                &[
                    "-D",
                    &data.to_string_lossy(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                user.as_deref(),
            );
        }
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// The temporary folder (for tests that check it is removed).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        self.stop();
    }
}

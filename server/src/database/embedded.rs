//! Private temporary database servers, where `dry-run` runs migrations.
//!
//! A server started here is private by construction:
//! - it has **no TCP listener**: PostgreSQL with `listen_addresses=''`, MariaDB with
//!   `--skip-networking`; clients reach it through a Unix socket inside a folder of its own with
//!   mode 0700, so only its owner (and root) can connect;
//! - it **never runs as root**: started by root, it runs as `postgres` / `mysql` (else `nobody`);
//! - it **dies with this process**, `kill -9` included: the server is spawned with a
//!   parent-death signal (`PR_SET_PDEATHSIG`, SIGKILL) from a thread that lives as long as the
//!   server, and in a process group of its own so a terminal's Ctrl-C reaches only us first;
//! - its folder is removed when it stops, and a later run removes the folders (and any server
//!   still running in one) that a killed run left behind ([`clean_stale`]).

use std::ffi::CString;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::client::DbError;
use super::url::{Connection, Tls};
use crate::sql::server::Flavor;

/// The superuser (PostgreSQL) a temporary server is made with; migrations never run as it.
pub const PG_ADMIN: &str = "flyway_lsp_admin";
/// The socket "port" of a temporary PostgreSQL (only names the socket file: no TCP).
const PG_PORT: u16 = 5432;
/// Every temporary server folder starts with this, followed by the owning process id.
const DIR_PREFIX: &str = "flyway-lsp-dryrun-";

/// A running private temporary server.
pub struct Embedded {
    /// `Postgres` or `MariaDb`.
    pub flavor: Flavor,
    /// The server's version (`15.20`, `10.11.6`).
    pub version: String,
    /// The folder of the server's programs (`psql`, `pg_dump` for PostgreSQL).
    pub bindir: PathBuf,
    /// What was started, for messages ("a private temporary PostgreSQL 15.20 (/usr/lib/…)").
    pub description: String,
    dir: PathBuf,
    server: Option<Kept>,
}

/// A server process, spawned and waited for by a thread of its own: the parent-death signal
/// fires when the *thread* that spawned the child ends, so that thread lives as long as it.
struct Kept {
    pid: i32,
    exited: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The signal that stops it at once (PostgreSQL: SIGQUIT, immediate shutdown).
    stop_signal: i32,
}

/// Who the server runs as: `None` for this process's own user (not root), else the account.
#[derive(Debug, Clone, Copy)]
struct Account {
    uid: u32,
    gid: u32,
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The uid and gid of a local account.
fn account(name: &str) -> Option<Account> {
    let name = CString::new(name).ok()?;
    // SAFETY: getpwnam returns null or a pointer to static storage that we read at once.
    unsafe {
        let entry = libc::getpwnam(name.as_ptr());
        if entry.is_null() {
            return None;
        }
        Some(Account {
            uid: (*entry).pw_uid,
            gid: (*entry).pw_gid,
        })
    }
}

/// The account a server runs as when we are root (never root itself).
fn server_account(preferred: &str) -> Result<Option<Account>, DbError> {
    if !is_root() {
        return Ok(None);
    }
    [preferred, "nobody"]
        .iter()
        .find_map(|name| account(name).filter(|a| a.uid != 0))
        .map(Some)
        .ok_or_else(|| {
            DbError::connect(format!(
                "running as root, and no `{preferred}` or `nobody` account to run the temporary server as (it never runs as root)"
            ))
        })
}

/// Applies the account, the parent-death signal and a process group of its own to `command`.
fn confine(command: &mut Command, account: Option<Account>, dir: &Path) {
    // Temporary files go to the server's own folder (the caller's TMPDIR may be closed to the
    // server's account).
    command.env("TMPDIR", dir);
    if let Some(a) = account {
        // std drops supplementary groups (setgroups) before setuid when running as root.
        command.uid(a.uid).gid(a.gid);
    }
    command.process_group(0);
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure only makes async-signal-safe system calls and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            // Linux only; elsewhere a killed dry-run's server is stopped by the next run.
            #[cfg(target_os = "linux")]
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before the signal was armed.
            if libc::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Runs a short-lived program (initdb, mariadb-install-db) confined like the server.
fn run(
    program: &Path,
    args: &[String],
    account: Option<Account>,
    dir: &Path,
) -> Result<(), DbError> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .env_remove("PGPASSWORD")
        .env_remove("MYSQL_PWD");
    confine(&mut command, account, dir);
    let output = command
        .output()
        .map_err(|e| DbError::connect(format!("cannot run {}: {e}", program.display())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let lines = || stderr.trim().lines().chain(stdout.trim().lines());
        // The first line that says what went wrong, else the last one.
        let last = lines()
            .find(|l| l.contains("[ERROR]") || l.starts_with("ERROR"))
            .or_else(|| lines().rfind(|l| !l.trim().is_empty()))
            .unwrap_or("no message")
            .to_string();
        return Err(DbError::connect(format!(
            "{} failed: {last}",
            program.display()
        )));
    }
    Ok(())
}

impl Kept {
    fn spawn(
        mut command: Command,
        account: Option<Account>,
        dir: &Path,
        stop_signal: i32,
    ) -> Result<Kept, DbError> {
        confine(&mut command, account, dir);
        let program = command.get_program().to_string_lossy().into_owned();
        let exited = Arc::new(AtomicBool::new(false));
        let flag = exited.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("flyway-lsp-temporary-server".into())
            .spawn(move || {
                match command.spawn() {
                    Ok(mut child) => {
                        let _ = tx.send(Ok(child.id()));
                        let _ = child.wait();
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
                flag.store(true, Ordering::SeqCst);
            })
            .map_err(|e| DbError::connect(format!("cannot start a thread for {program}: {e}")))?;
        match rx.recv() {
            Ok(Ok(pid)) => Ok(Kept {
                pid: pid as i32,
                exited,
                thread: Some(thread),
                stop_signal,
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(DbError::connect(format!("cannot start {program}: {e}")))
            }
            Err(_) => {
                let _ = thread.join();
                Err(DbError::connect(format!("cannot start {program}")))
            }
        }
    }

    fn running(&self) -> bool {
        !self.exited.load(Ordering::SeqCst)
    }

    fn stop(&mut self) {
        let signal_and_wait = |signal: i32, wait: Duration| {
            // SAFETY: kill has no memory preconditions; the pid is our own child, not yet reaped
            // while `exited` is false (the keeper thread reaps it).
            if self.running() {
                unsafe { libc::kill(self.pid, signal) };
            }
            let started = Instant::now();
            while self.running() && started.elapsed() < wait {
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        signal_and_wait(self.stop_signal, Duration::from_secs(5));
        signal_and_wait(libc::SIGKILL, Duration::from_secs(5));
        if let Some(thread) = self.thread.take() {
            if !self.running() {
                let _ = thread.join();
            }
        }
    }
}

/// The temporary folder for one server: `$TMPDIR/flyway-lsp-dryrun-<pid>-<nanos>`, mode 0700,
/// owned by the server's account. Falls back to /tmp when `$TMPDIR` would make the socket path
/// longer than Unix sockets allow, or when the server's account could not pass through it.
fn private_dir(account: Option<Account>) -> Result<PathBuf, DbError> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let name = format!("{DIR_PREFIX}{}-{stamp}", std::process::id());
    let mut base = std::env::temp_dir();
    // Another account (we are root) must be able to pass through the base folder.
    let passable = account.is_none()
        || std::fs::metadata(&base).is_ok_and(|m| m.permissions().mode() & 0o001 != 0);
    if base.as_os_str().len() > 50 || !passable {
        base = PathBuf::from("/tmp");
    }
    let dir = base.join(name);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&dir)
        .map_err(|e| DbError::connect(format!("cannot create {}: {e}", dir.display())))?;
    if let Some(a) = account {
        if let Err(e) = std::os::unix::fs::chown(&dir, Some(a.uid), Some(a.gid)) {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(DbError::connect(format!(
                "cannot hand {} to the server's account: {e}",
                dir.display()
            )));
        }
    }
    Ok(dir)
}

fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn cmdline(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// Removes the temporary server folders that runs which were killed left behind (their process
/// is gone), stopping any server still running in one. Returns how many were removed.
pub fn clean_stale() -> usize {
    let mut removed = 0;
    let mut bases = vec![std::env::temp_dir()];
    if bases[0] != Path::new("/tmp") {
        bases.push(PathBuf::from("/tmp"));
    }
    for base in bases {
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(owner) = name
                .strip_prefix(DIR_PREFIX)
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<i32>().ok())
            else {
                continue;
            };
            let dir = entry.path();
            let owner_alive = process_alive(owner) && cmdline(owner).contains("flyway");
            if owner_alive || owner == std::process::id() as i32 {
                continue;
            }
            // A server still running there (its parent-death signal should have ended it).
            for pid_file in ["data/postmaster.pid", "mysqld.pid"] {
                let pid = std::fs::read_to_string(dir.join(pid_file))
                    .ok()
                    .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<i32>().ok()));
                if let Some(pid) = pid.filter(|&p| p > 1) {
                    if cmdline(pid).contains(&*dir.to_string_lossy()) {
                        // SAFETY: kill has no memory preconditions.
                        unsafe { libc::kill(pid, libc::SIGKILL) };
                    }
                }
            }
            if std::fs::remove_dir_all(&dir).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

/// The folders holding PostgreSQL's server programs, newest first: `pg_config --bindir`,
/// /usr/lib/postgresql/*/bin, the PATH.
fn postgres_bindirs() -> Vec<(Vec<u32>, PathBuf)> {
    let mut found: Vec<(Vec<u32>, PathBuf)> = Vec::new();
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        candidates.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    candidates.extend(
        std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin")),
    );
    if let Some(dir) = find_in_path(&["initdb"]).and_then(|p| p.parent().map(Path::to_path_buf)) {
        candidates.push(dir);
    }
    for dir in candidates {
        // Links (/usr/local/bin/postgres → /usr/lib/postgresql/15/bin/postgres) count once.
        let Some(dir) = dir
            .join("postgres")
            .canonicalize()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
        else {
            continue;
        };
        if !dir.join("initdb").is_file() {
            continue;
        }
        let Some(version) = program_version(&dir.join("postgres")) else {
            continue;
        };
        if !found.iter().any(|(_, d)| d == &dir) {
            found.push((version, dir));
        }
    }
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found
}

/// `15.20` from `postgres (PostgreSQL) 15.20 (Debian …)`, `10.11.6` from
/// `mariadbd  Ver 10.11.6-MariaDB-…`.
fn program_version(program: &Path) -> Option<Vec<u32>> {
    let out = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()) && w.contains('.'))
        .and_then(crate::sql::server::leading_version)
}

fn version_text(version: &[u32]) -> String {
    version
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

pub(crate) fn find_in_path(names: &[&str]) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH").unwrap_or_default();
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

/// Waits until `ready` says so, the server exits, or `timeout` passes.
fn wait_until(
    kept: &Kept,
    timeout: Duration,
    what: &str,
    log: &Path,
    ready: impl Fn() -> bool,
) -> Result<(), DbError> {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if ready() {
            return Ok(());
        }
        if !kept.running() {
            let last = std::fs::read_to_string(log)
                .ok()
                .and_then(|t| {
                    t.lines()
                        .rfind(|l| !l.trim().is_empty())
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "no message".into());
            return Err(DbError::connect(format!(
                "the temporary {what} stopped at start: {last}"
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(DbError::connect(format!(
        "the temporary {what} did not become ready in {} s",
        timeout.as_secs()
    )))
}

impl Embedded {
    /// Starts a private temporary server for `flavor` (MySQL folders run on MariaDB when that is
    /// what the machine has). `target` is the version of the server the migrations are meant
    /// for: PostgreSQL binaries older than its major version are refused with what to install.
    pub fn start(flavor: Flavor, target: Option<&[u32]>) -> Result<Embedded, DbError> {
        match flavor {
            Flavor::Postgres => Embedded::start_postgres(target),
            _ => Embedded::start_mariadb(),
        }
    }

    fn start_postgres(target: Option<&[u32]>) -> Result<Embedded, DbError> {
        let bindirs = postgres_bindirs();
        let want = target.and_then(|v| v.first().copied());
        let chosen = match want {
            // The same major version, else the oldest newer one.
            Some(major) => bindirs
                .iter()
                .find(|(v, _)| v.first() == Some(&major))
                .or_else(|| bindirs.iter().rev().find(|(v, _)| v.first() > Some(&major))),
            None => bindirs.first(),
        };
        let Some((version, bindir)) = chosen.cloned() else {
            return Err(DbError::connect(match (want, bindirs.first()) {
                (Some(major), Some((newest, _))) => format!(
                    "the target runs PostgreSQL {major}, and this machine's newest PostgreSQL server is {}: a dry-run needs PostgreSQL {major} or newer here (Debian/Ubuntu: apt-get install postgresql-{major})",
                    version_text(newest)
                ),
                (Some(major), None) => format!(
                    "no PostgreSQL server programs (initdb, postgres) on this machine to run the dry-run in: install PostgreSQL {major} (Debian/Ubuntu: apt-get install postgresql-{major})"
                ),
                _ => "no PostgreSQL server programs (initdb, postgres) on this machine to run the dry-run in: install PostgreSQL's server package (Debian/Ubuntu: apt-get install postgresql)".into(),
            }));
        };
        let account = server_account("postgres")?;
        let dir = private_dir(account)?;
        let mut embedded = Embedded {
            flavor: Flavor::Postgres,
            version: version_text(&version),
            bindir: bindir.clone(),
            description: format!(
                "a private temporary PostgreSQL {} ({})",
                version_text(&version),
                bindir.display()
            ),
            dir: dir.clone(),
            server: None,
        };
        let data = dir.join("data");
        run(
            &bindir.join("initdb"),
            &[
                "-D".into(),
                data.to_string_lossy().into_owned(),
                "-U".into(),
                PG_ADMIN.into(),
                "--auth-local=trust".into(),
                "--auth-host=reject".into(),
                "-E".into(),
                "UTF8".into(),
                "--no-sync".into(),
            ],
            account,
            &dir,
        )?;
        let log = dir.join("server.log");
        let log_file = std::fs::File::create(&log)
            .map_err(|e| DbError::connect(format!("cannot create {}: {e}", log.display())))?;
        if let Some(a) = account {
            let _ = std::os::unix::fs::chown(&log, Some(a.uid), Some(a.gid));
        }
        let mut command = Command::new(bindir.join("postgres"));
        command
            .arg("-D")
            .arg(&data)
            .args(["-p", &PG_PORT.to_string()])
            .arg("-k")
            .arg(&dir)
            .args([
                "-c",
                "listen_addresses=",
                "-c",
                "unix_socket_permissions=0700",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "max_connections=20",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log_file))
            .env_remove("PGPASSWORD");
        let kept = Kept::spawn(command, account, &dir, libc::SIGQUIT)?;
        embedded.server = Some(kept);
        let pid_file = data.join("postmaster.pid");
        // postmaster.pid's eighth line says "ready" once connections are accepted.
        let ready = || {
            std::fs::read_to_string(&pid_file)
                .is_ok_and(|t| t.lines().nth(7).is_some_and(|l| l.trim() == "ready"))
        };
        if let Some(kept) = &embedded.server {
            wait_until(kept, Duration::from_secs(60), "PostgreSQL", &log, ready)?;
        }
        Ok(embedded)
    }

    fn start_mariadb() -> Result<Embedded, DbError> {
        let install = find_in_path(&["mariadb-install-db", "mysql_install_db"]);
        let server = find_in_path(&["mariadbd", "mysqld"]);
        let (Some(install), Some(server)) = (install, server) else {
            return Err(DbError::connect("no MariaDB server programs (mariadb-install-db, mariadbd) on this machine to run the dry-run in: install mariadb-server (Debian/Ubuntu: apt-get install mariadb-server)"));
        };
        let version = program_version(&server).unwrap_or_default();
        let account = server_account("mysql")?;
        let dir = private_dir(account)?;
        let data = dir.join("data");
        let files = dir.join("files");
        let mut embedded = Embedded {
            flavor: Flavor::MariaDb,
            version: version_text(&version),
            bindir: server.parent().map(Path::to_path_buf).unwrap_or_default(),
            description: format!(
                "a private temporary MariaDB {} ({})",
                version_text(&version),
                server.display()
            ),
            dir: dir.clone(),
            server: None,
        };
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&files)
            .map_err(|e| DbError::connect(format!("cannot create {}: {e}", files.display())))?;
        if let Some(a) = account {
            let _ = std::os::unix::fs::chown(&files, Some(a.uid), Some(a.gid));
        }
        let mut install_args = vec![
            "--no-defaults".to_string(),
            format!("--datadir={}", data.display()),
            "--auth-root-authentication-method=normal".to_string(),
            "--skip-test-db".to_string(),
            "--skip-name-resolve".to_string(),
            // The bootstrap's temporary tables in the server's own folder: in a shared /tmp,
            // installs running at the same time remove each other's (seen: "Unknown table
            // 'mysql.tmp_user_sys'").
            format!("--tmpdir={}", dir.display()),
        ];
        if let Some(base) = server.parent().and_then(Path::parent) {
            // Debian's layout: /usr/sbin/mariadbd with its share files under /usr.
            if base.join("share/mysql").is_dir() || base.join("share/mariadb").is_dir() {
                install_args.push(format!("--basedir={}", base.display()));
            }
        }
        run(&install, &install_args, account, &dir)?;
        let log = dir.join("server.log");
        let socket = dir.join("mysqld.sock");
        let mut command = Command::new(&server);
        command
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg("--skip-networking")
            .arg(format!("--socket={}", socket.display()))
            .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
            .arg(format!("--log-error={}", log.display()))
            .arg(format!("--secure-file-priv={}", files.display()))
            .arg(format!("--tmpdir={}", dir.display()))
            .arg("--local-infile=0")
            .arg("--skip-log-bin")
            .arg("--skip-name-resolve")
            .arg("--innodb-buffer-pool-size=32M")
            .arg("--innodb-flush-log-at-trx-commit=0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .env_remove("MYSQL_PWD");
        let kept = Kept::spawn(command, account, &dir, libc::SIGKILL)?;
        embedded.server = Some(kept);
        // Ready when the socket accepts a connection: the file exists from bind() on, and a
        // connection before listen() is refused (seen under load).
        let ready = || std::os::unix::net::UnixStream::connect(&socket).is_ok();
        if let Some(kept) = &embedded.server {
            wait_until(kept, Duration::from_secs(60), "MariaDB", &log, ready)?;
        }
        Ok(embedded)
    }

    /// A connection to `database` as `user` over the private socket (no password: only this
    /// process's user and root can reach the socket).
    pub fn connection(&self, user: &str, database: &str) -> Connection {
        let (host, port) = match self.flavor {
            Flavor::Postgres => (self.dir.to_string_lossy().into_owned(), PG_PORT),
            _ => (
                self.dir.join("mysqld.sock").to_string_lossy().into_owned(),
                0,
            ),
        };
        Connection {
            flavor: self.flavor,
            host,
            port,
            database: database.to_string(),
            user: Some(user.to_string()),
            password: None,
            tls: Tls::Disable,
            params: Default::default(),
            options: Default::default(),
        }
    }

    /// The administrator's connection (PostgreSQL superuser / MariaDB root).
    pub fn admin(&self, database: &str) -> Connection {
        match self.flavor {
            Flavor::Postgres => self.connection(PG_ADMIN, database),
            _ => self.connection("root", database),
        }
    }

    /// The temporary folder (for tests that check it is removed).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<i32> {
        self.server.as_ref().map(|k| k.pid)
    }

    /// Stops the server and removes its folder.
    fn stop(&mut self) {
        if let Some(mut kept) = self.server.take() {
            kept.stop();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_written_with_dots() {
        assert_eq!(version_text(&[15, 20]), "15.20");
    }

    #[test]
    fn stale_folders_of_dead_processes_are_removed_and_live_ones_kept() {
        // A pid that cannot exist (above the kernel's maximum).
        let dead = std::env::temp_dir().join(format!("{DIR_PREFIX}999999999-1"));
        let live = std::env::temp_dir().join(format!("{DIR_PREFIX}{}-2", std::process::id()));
        std::fs::create_dir_all(dead.join("data")).unwrap();
        std::fs::create_dir_all(&live).unwrap();
        assert!(clean_stale() >= 1);
        assert!(!dead.exists());
        assert!(live.exists());
        std::fs::remove_dir_all(&live).unwrap();
    }
}

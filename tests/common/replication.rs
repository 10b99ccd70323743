//! A PostgreSQL primary, archiving its WAL, and its streaming replica, made by the test itself on
//! free ports with the server's own tools (`initdb`, `pg_basebackup --write-recovery-conf`,
//! `pg_ctl`; run as the postgres user when the test runs as root), stopped and removed with it;
//! and servers recovered to a point in time by the shop's scripts (`ops/pg-base-backup`,
//! `ops/pg-recover`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use diesel::prelude::*;
use shopwave::db::{self, Backend, DbConn};

use super::TestDb;
use super::nodes::{free_port, running_as_root};

pub struct Replication {
    /// postgres://… of the primary's `postgres` database.
    pub primary: String,
    /// The same on the replica.
    pub replica: String,
    bin: PathBuf,
    dir: tempfile::TempDir,
}

impl Replication {
    /// `None` outside CI on a machine without the PostgreSQL server's programs.
    pub fn start() -> Option<Replication> {
        let Some(bin) = server_programs() else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must have PostgreSQL's server programs"
            );
            eprintln!("PostgreSQL's server programs are not installed: skipping the replica test");
            return None;
        };
        let dir = tempfile::tempdir().expect("a folder");
        as_postgres_owned(dir.path());
        let (primary_port, replica_port) = (free_port(), free_port());
        let replication = Replication {
            primary: format!("postgres://postgres@127.0.0.1:{primary_port}/postgres"),
            replica: format!("postgres://postgres@127.0.0.1:{replica_port}/postgres"),
            bin,
            dir,
        };
        let primary = replication.folder("primary");
        replication.run(
            "initdb",
            &["--auth=trust", "--username=postgres", "-D", &primary],
        );
        replication.configure("primary", primary_port);
        replication.archive_wal();
        replication.pg_ctl("primary", "start");
        let replica = replication.folder("replica");
        replication.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary_port.to_string(),
                "-U",
                "postgres",
                "-D",
                &replica,
            ]
            .into_iter()
            .chain([
                "--write-recovery-conf",
                "--wal-method=stream",
                "--checkpoint=fast",
            ])
            .collect::<Vec<_>>(),
        );
        replication.configure("replica", replica_port);
        replication.pg_ctl("replica", "start");
        Some(replication)
    }

    /// `db`'s schema on the replica: its URL, as a node's DATABASE_REPLICA_URL.
    pub fn replica_of(&self, db: &TestDb) -> Backend {
        let url = db.owner_url().replacen(&self.primary, &self.replica, 1);
        assert_ne!(url, db.owner_url(), "the test database is on this primary");
        Backend::Postgres(super::as_app_role(&url))
    }

    /// A connection to the replica.
    pub fn replica_conn(&self) -> DbConn {
        db::establish(&Backend::Postgres(self.replica.clone())).expect("the replica answers")
    }

    /// Stops (`true`) or restarts applying the primary's changes on the replica; it still
    /// receives them meanwhile.
    pub fn pause_replay(&self, paused: bool) {
        let call = if paused {
            "pg_wal_replay_pause"
        } else {
            "pg_wal_replay_resume"
        };
        diesel::sql_query(format!("SELECT {call}()"))
            .execute(&mut self.replica_conn())
            .expect("replay paused or resumed");
    }

    /// Shuts the replica down, as a machine that fails.
    pub fn stop_replica(&self) {
        self.pg_ctl("replica", "stop");
    }

    /// Runs `ops/pg-base-backup` into the folder `name`.
    pub fn base_backup(&self, name: &str) {
        let script = self.script("pg-base-backup");
        let port = self.port_of(&self.primary);
        self.run_script(
            &script,
            &[
                &self.folder(name),
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
            ],
        );
    }

    /// Runs `ops/pg-recover` from the base backup `base` and the archive to `target` into the
    /// folder `name`, starts a server on it and waits until it has opened for writes; returns
    /// its URL (of the `postgres` database).
    pub fn recover_to(&self, base: &str, target: &str, name: &str) -> String {
        let script = self.script("pg-recover");
        let archive = self.folder("archive");
        self.run_script(
            &script,
            &[&self.folder(base), &archive, &self.folder(name), target],
        );
        let port = free_port();
        self.configure(name, port);
        self.pg_ctl(name, "start");
        let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        let recovered = Backend::Postgres(url.clone());
        for _ in 0..600 {
            let opened = db::establish(&recovered).ok().and_then(|mut conn| {
                diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "pg_is_in_recovery()",
                ))
                .get_result::<bool>(&mut conn)
                .ok()
            });
            if opened == Some(false) {
                return url;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the recovered server never opened for writes");
    }

    /// Closes the primary's current WAL segment and waits until the archive holds it, so
    /// everything committed so far can be recovered from the archive.
    pub fn archive_now(&self) {
        let mut conn = db::establish(&Backend::Postgres(self.primary.clone())).expect("primary");
        let segment: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
            "pg_walfile_name(pg_switch_wal())",
        ))
        .get_result(&mut conn)
        .expect("the WAL switched");
        let archived = self.dir.path().join("archive").join(&segment);
        for _ in 0..600 {
            if archived.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the primary never archived {segment}");
    }

    /// The primary copies every finished WAL segment into the folder `archive`.
    fn archive_wal(&self) {
        use std::io::Write;
        let archive = self.folder("archive");
        std::fs::create_dir(&archive).expect("the archive folder");
        as_postgres_owned(Path::new(&archive));
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir.path().join("primary").join("postgresql.conf"))
            .expect("postgresql.conf");
        write!(
            conf,
            "archive_mode = on
archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'
"
        )
        .expect("settings written");
    }

    /// A copy of the shop's script `ops/NAME` where the postgres user may run it.
    fn script(&self, name: &str) -> String {
        let copy = self.dir.path().join(name);
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("ops").join(name),
            &copy,
        )
        .expect("the script copied");
        copy.display().to_string()
    }

    fn port_of(&self, url: &str) -> String {
        let (_, port) = url.rsplit_once(':').expect("a port");
        port.split('/').next().expect("a port").to_owned()
    }

    fn folder(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Small, local-only settings; the replica's copy of the primary's are overridden below them.
    fn configure(&self, name: &str, port: u16) {
        use std::io::Write;
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(self.dir.path().join(name).join("postgresql.conf"))
            .expect("postgresql.conf");
        write!(
            conf,
            "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
             shared_buffers = 16MB\nmax_connections = 40\nwal_level = replica\n\
             max_wal_senders = 4\n",
            self.dir.path().display()
        )
        .expect("settings written");
    }

    fn pg_ctl(&self, name: &str, action: &str) {
        let log = self
            .dir
            .path()
            .join(format!("{name}.log"))
            .display()
            .to_string();
        let mode = if action == "stop" {
            "immediate"
        } else {
            "fast"
        };
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.folder(name),
                "-l",
                &log,
                "-m",
                mode,
                "-w",
                action,
            ],
        );
    }

    /// Runs one of the server's programs, as the postgres user when this process is root.
    fn run(&self, program: &str, args: &[&str]) {
        self.run_script(&self.bin.join(program).display().to_string(), args);
    }

    /// Runs the program at `path` (the server's programs on PG_BIN), as the postgres user when
    /// this process is root.
    fn run_script(&self, program: &str, args: &[&str]) {
        let mut command = if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        let output = command
            .args(args)
            .env("PG_BIN", &self.bin)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("the program runs");
        assert!(
            output.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for Replication {
    fn drop(&mut self) {
        for name in ["recovered", "replica", "primary"] {
            if self.dir.path().join(name).join("postmaster.pid").exists() {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.pg_ctl(name, "stop")
                }));
            }
        }
    }
}

/// The newest PostgreSQL server's programs on this machine (Debian keeps them off the PATH).
fn server_programs() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

/// The clusters' folder belongs to the postgres user, which the server insists on.
fn as_postgres_owned(dir: &Path) {
    if running_as_root() {
        let status = Command::new("chown")
            .arg("postgres:postgres")
            .arg(dir)
            .status()
            .expect("chown runs");
        assert!(status.success(), "chown postgres {}", dir.display());
    }
}

//! A PostgreSQL primary and its streaming replica, made by the test itself on free ports with the
//! server's own tools (`initdb`, `pg_basebackup --write-recovery-conf`, `pg_ctl`; run as the
//! postgres user when the test runs as root), stopped and removed with it.

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
        let url = db.backend.url().replacen(&self.primary, &self.replica, 1);
        assert_ne!(
            url,
            db.backend.url(),
            "the test database is on this primary"
        );
        Backend::Postgres(url)
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
        let path = self.bin.join(program);
        let mut command = if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        };
        let output = command
            .args(args)
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
        for name in ["replica", "primary"] {
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

//! The shop as it runs on several machines: `shopwave serve` nodes connecting as the
//! least-privilege role of docs/app_role.sql through pgbouncer in transaction mode, behind
//! HAProxy sending requests round-robin. Both are Debian's packages (.ci/run installs them);
//! each test starts its own on free ports, over its own PostgreSQL schema.

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use shopwave::db::{self, Backend};

use super::nodes::{Process, free_port, node_settings, request, running_as_root, serve};
use super::{TestDb, WEBHOOK_SECRET};

/// The header HAProxy adds to each answer: the name of the node that gave it.
pub const SERVED_BY: &str = "X-Served-By";
/// The nodes' names, in HAProxy's round-robin order.
pub const NODES: [&str; 2] = ["a", "b"];

pub struct Cluster {
    /// Where shoppers reach the shop.
    pub balancer: SocketAddr,
    /// Each node's own address, in the order of `NODES`.
    pub nodes: Vec<SocketAddr>,
    /// The database through pgbouncer, as the nodes reach it.
    pub pooled: Backend,
    processes: Vec<Process>,
    haproxy: Process,
    pgbouncer: Process,
    role: AppRole,
    _dirs: Vec<tempfile::TempDir>,
}

impl Cluster {
    /// Starts pgbouncer, both nodes and HAProxy over `db`, which must hold its users already
    /// (a node seeds the demo shop into a database without any). `None` when the test runs
    /// outside CI on a machine without PostgreSQL, pgbouncer or HAProxy.
    pub fn start(db: &TestDb) -> Option<Cluster> {
        if db.is_sqlite() || !installed("pgbouncer") || !installed("haproxy") {
            return None;
        }
        let role = AppRole::create(db);
        let dir = shared_dir();
        let (pgbouncer, bouncer_port) = start_pgbouncer(dir.path(), &role, &schema_of(db));
        let url = format!("postgres://{}@127.0.0.1:{bouncer_port}/shop", role.name);
        let simulator = db.simulator();
        let mut settings = node_settings(simulator);
        settings.push(("SHOPWAVE_DB_POOLER", "transaction".to_owned()));
        settings.push(("SHOPWAVE_MIGRATIONS", "check".to_owned()));
        let (mut processes, mut nodes, mut dirs) = (Vec::new(), Vec::new(), vec![dir]);
        for _ in NODES {
            let (process, addr, data) = serve(&url, &settings);
            processes.push(process);
            nodes.push(addr);
            dirs.push(data);
        }
        let (haproxy, balancer) = start_haproxy(dirs[0].path(), &nodes);
        simulator
            .deliver_to(shopwave::payments_sim::Endpoint {
                url: format!("http://{balancer}/payments/webhook"),
                secret: WEBHOOK_SECRET.to_owned(),
            })
            .expect("webhooks go to the balancer");
        Some(Cluster {
            balancer,
            nodes,
            pooled: Backend::from_url(&url)
                .and_then(Backend::via_pooler)
                .expect("a URL"),
            processes,
            haproxy,
            pgbouncer,
            role,
            _dirs: dirs,
        })
    }

    /// Kills node `index` at once (SIGKILL), as a machine that loses power.
    pub fn kill(&mut self, index: usize) {
        self.processes[index].kill();
    }

    /// The name of the role the nodes run as.
    pub fn role(&self) -> &str {
        &self.role.name
    }
}

/// Whether the Debian package's program is here; in CI it must be.
fn installed(program: &str) -> bool {
    let found = Path::new("/usr/sbin").join(program).is_file();
    assert!(
        found || std::env::var("CI").is_err(),
        "CI must install {program} (.ci/run)"
    );
    if !found {
        eprintln!("{program} is not installed: skipping the several-node test");
    }
    found
}

fn schema_of(db: &TestDb) -> String {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "current_schema()",
    ))
    .get_result(&mut db.conn())
    .expect("the test's schema")
}

/// A folder the unprivileged user pgbouncer runs as can read.
fn shared_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a folder");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

fn wait_for_port(port: u16, what: &str) {
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not start listening on {port}");
}

/// The server, port and database of TEST_DATABASE_URL (postgres://user@host:port/db).
fn test_server() -> (String, String, String) {
    let url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
    let host_port = super::relay::server_of(&url);
    let (_, database) = url
        .split_once(&format!("{host_port}/"))
        .expect("a database in TEST_DATABASE_URL");
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "5432"));
    let database = database.split('?').next().unwrap_or(database);
    (host.to_owned(), port.to_owned(), database.to_owned())
}

/// pgbouncer in transaction mode: database `shop` is this test's schema of the test server.
/// The role's settings (docs/app_role.sql) give each server connection its limits; the
/// schema is the one setting a real shop would not need (its tables live in the database's own).
fn start_pgbouncer(dir: &Path, role: &AppRole, schema: &str) -> (Process, u16) {
    let (host, port, database) = test_server();
    let listen = free_port();
    let users = dir.join("users.txt");
    std::fs::write(&users, format!("\"{}\" \"\"\n", role.name)).expect("users file");
    let config = dir.join("pgbouncer.ini");
    std::fs::write(
        &config,
        format!(
            "[databases]\n\
             shop = host={host} port={port} dbname={database} \
             connect_query='SET search_path TO {schema}'\n\
             [pgbouncer]\n\
             listen_addr = 127.0.0.1\nlisten_port = {listen}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {}\npool_mode = transaction\n\
             max_client_conn = 200\ndefault_pool_size = 6\n",
            users.display()
        ),
    )
    .expect("pgbouncer.ini");
    let mut command = Command::new("/usr/sbin/pgbouncer");
    // pgbouncer refuses to run as root; it changes to the user given with -u.
    if running_as_root() {
        command.args(["-u", "postgres"]);
    }
    let child = Process::new(
        command
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pgbouncer"),
    );
    wait_for_port(listen, "pgbouncer");
    (child, listen)
}

/// HAProxy spreading requests over `nodes` round-robin, checking each node's /healthz every
/// 200 ms, and retrying elsewhere a request whose node refuses the connection.
fn start_haproxy(dir: &Path, nodes: &[SocketAddr]) -> (Process, SocketAddr) {
    let listen = free_port();
    let servers: String = NODES
        .iter()
        .zip(nodes)
        .map(|(name, addr)| format!("    server {name} {addr} check inter 200ms fall 2 rise 2\n"))
        .collect();
    let config = dir.join("haproxy.cfg");
    std::fs::write(
        &config,
        format!(
            "defaults\n    mode http\n    timeout connect 1s\n    timeout client 30s\n    \
             timeout server 30s\n    retries 3\n    option redispatch 1\n\
             frontend shop\n    bind 127.0.0.1:{listen}\n    default_backend nodes\n\
             backend nodes\n    balance roundrobin\n    option httpchk GET /healthz\n    \
             http-response set-header {SERVED_BY} %s\n{servers}"
        ),
    )
    .expect("haproxy.cfg");
    let child = Process::new(
        Command::new("/usr/sbin/haproxy")
            .args(["-db", "-f"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy"),
    );
    wait_for_port(listen, "haproxy");
    let balancer = SocketAddr::from(([127, 0, 0, 1], listen));
    // Both nodes are in the rotation once HAProxy's first checks have passed.
    for _ in 0..100 {
        let seen: Vec<String> = (0..NODES.len())
            .filter_map(|_| request(balancer, "GET /healthz", "", None))
            .filter(|r| r.status == 200)
            .filter_map(|r| r.header(SERVED_BY).map(str::to_owned))
            .collect();
        if NODES.iter().all(|node| seen.iter().any(|s| s == node)) {
            return (child, balancer);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("HAProxy did not put both nodes in its rotation");
}

/// The role of docs/app_role.sql, made by running the file as written (with this test's names)
/// in this test's schema, and removed with it.
pub struct AppRole {
    pub name: String,
}

impl AppRole {
    pub fn create(db: &TestDb) -> AppRole {
        let name = format!("app_{}", shopwave::util::random_hex(6));
        let grants = include_str!("../../docs/app_role.sql")
            .replace("shopwave_app", &name)
            .replace("shop_schema", &schema_of(db));
        db.owner_conn()
            .batch_execute(&grants)
            .expect("the documented grants run");
        AppRole { name }
    }

    /// `owner_url` (the test server's, as the postgres user) with this role as its user.
    pub fn url(&self, owner_url: &str) -> String {
        let url = owner_url.replacen("://postgres@", &format!("://{}@", self.name), 1);
        assert_ne!(
            url, owner_url,
            "the test server's URL names the postgres user"
        );
        url
    }
}

impl Drop for AppRole {
    fn drop(&mut self) {
        let server = std::env::var("TEST_DATABASE_URL").expect("the server");
        if let Ok(mut admin) = db::establish(&Backend::Postgres(server)) {
            let _ = admin.batch_execute(&format!("DROP OWNED BY {0}; DROP ROLE {0}", self.name));
        }
    }
}

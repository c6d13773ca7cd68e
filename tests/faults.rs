//! The fault and abuse suite: a database connection that stalls or closes part-way, a backend
//! terminated mid-read, hostile input files, symbolic links. Every case ends with exit 2 and a
//! diagnostic that names what happened, in bounded time and output, and leaves nothing behind:
//! each command runs through [`run_watched`] (its own process group, `TMPDIR` a directory of
//! its own), which then looks for processes, scratch clusters and temporary files it left. The
//! hostile inputs also run under an address-space limit.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{cluster, driftlint, fresh_db};

/// How a command run by [`run_watched`] ended, and what it left behind.
struct Watched {
    code: Option<i32>,
    /// stdout then stderr.
    output: String,
    elapsed: Duration,
    pid: u32,
    /// Processes, directories and files of the run still there after it ended (and a grace
    /// period for the scratch cluster's watchdog).
    leftovers: Vec<String>,
}

/// The built binary as a plain [`Command`] (the pid is needed), DATABASE_URL cleared.
fn driftlint_command() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("driftlint"));
    cmd.env_remove("DATABASE_URL");
    cmd
}

/// Runs `driftlint args` in a process group of its own with `TMPDIR` pointed at an empty
/// directory of its own, under an address-space limit of `memory` bytes when given; kills it
/// after 120 s. Then waits (up to 20 s) until nothing of the run is left, and lists what still
/// is: a process of its group, a process whose command line or working directory names its
/// `TMPDIR` or one of its scratch clusters, a scratch cluster directory of its pid, anything in
/// its `TMPDIR`.
fn run_watched(args: &[&std::ffi::OsStr], memory: Option<u64>) -> Watched {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = match memory {
        // prlimit executes the command in its own process: the pid stays the same.
        Some(bytes) => {
            let mut cmd = Command::new("prlimit");
            cmd.arg(format!("--as={bytes}"))
                .arg("--")
                .arg(assert_cmd::cargo::cargo_bin("driftlint"))
                .env_remove("DATABASE_URL")
                // mimalloc reserves 1 GiB of address space up front, used or not: without the
                // reservation the limit bounds the memory the run really uses.
                .env("MIMALLOC_ARENA_RESERVE", "0");
            cmd
        }
        None => driftlint_command(),
    };
    cmd.args(args)
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let started = Instant::now();
    let mut child = cmd.spawn().expect("driftlint starts");
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.join().unwrap()),
        String::from_utf8_lossy(&err.join().unwrap())
    );
    let mut leftovers = left_behind(pid, tmp.path());
    let grace = Instant::now();
    while !leftovers.is_empty() && grace.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
        leftovers = left_behind(pid, tmp.path());
    }
    Watched {
        code: status.code(),
        output,
        elapsed,
        pid,
        leftovers,
    }
}

/// What a run of process `pid` with `TMPDIR` = `tmp` left: see [`run_watched`].
fn left_behind(pid: u32, tmp: &Path) -> Vec<String> {
    let scratch = Path::new("/tmp/driftlint-scratch");
    let cluster_prefix = format!("{pid}-");
    let mut names: Vec<String> = vec![tmp.display().to_string()];
    let mut left = Vec::new();
    for entry in std::fs::read_dir(scratch).into_iter().flatten().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(&cluster_prefix)
        {
            names.push(entry.path().display().to_string());
            left.push(format!(
                "scratch cluster directory {}",
                entry.path().display()
            ));
        }
    }
    for entry in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
        left.push(format!("{} in TMPDIR", entry.path().display()));
    }
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(other) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{other}/stat")) else {
            continue;
        };
        // Fields after the command name: state, ppid, pgrp.
        let fields: Vec<&str> = stat[stat.rfind(')').map_or(0, |i| i + 1)..]
            .split_whitespace()
            .collect();
        if fields.first() == Some(&"Z") {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{other}/cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        let cwd = std::fs::read_link(format!("/proc/{other}/cwd"))
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let in_group = fields.get(2) == Some(&pid.to_string().as_str());
        if in_group
            || names
                .iter()
                .any(|name| cmdline.contains(name.as_str()) || cwd.starts_with(name.as_str()))
        {
            left.push(format!("process {other} ({cmdline}) in {cwd}"));
        }
    }
    left
}

/// What the proxy does once it has passed `after` bytes from the server to the client.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Stops forwarding, both connections left open.
    Stall,
    /// Closes both connections.
    Close,
    /// Has the server terminate the backends of the database (`pg_terminate_backend`), then
    /// forwards the rest: the client reads the server's own termination error.
    Terminate,
    /// Stops forwarding the server's replies once the client has sent a message containing
    /// this text (`after` is ignored).
    StallAtQuery(&'static str),
}

/// A TCP proxy on 127.0.0.1 in front of the test cluster's unix socket that passes `after`
/// bytes of each server reply stream, then applies `fault`. Runs until the test process ends.
fn proxy(fault: Fault, after: usize, database: &str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().unwrap().port();
    let socket = server_socket();
    let database = database.to_string();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (socket, database) = (socket.clone(), database.clone());
            std::thread::spawn(move || relay(client, &socket, fault, after, &database));
        }
    });
    port
}

/// The test cluster's socket file.
fn server_socket() -> PathBuf {
    let dir = cluster().socket_dir();
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(".s.PGSQL.") && !name.ends_with(".lock")
        })
        .expect("the cluster's socket")
}

fn relay(client: TcpStream, socket: &PathBuf, fault: Fault, after: usize, database: &str) {
    let Ok(server) = UnixStream::connect(socket) else {
        return;
    };
    let (mut client_in, mut server_out) =
        (client.try_clone().unwrap(), server.try_clone().unwrap());
    let marker = match fault {
        Fault::StallAtQuery(text) => Some(text.as_bytes()),
        _ => None,
    };
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen_by_client = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = client_in.read(&mut buf) {
            if marker.is_some_and(|m| buf[..n].windows(m.len()).any(|w| w == m)) {
                seen_by_client.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            if server_out.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        // The client is gone: so is its server connection.
        let _ = server_out.shutdown(Shutdown::Both);
    });
    let (mut server_in, mut client_out) = (server, client);
    let mut passed = 0;
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = server_in.read(&mut buf) else {
            return;
        };
        if seen.load(std::sync::atomic::Ordering::SeqCst) {
            // Keep both ends open, forward nothing more, until the client leaves.
            let _ = std::io::copy(&mut server_in, &mut std::io::sink());
            return;
        }
        let after = match fault {
            Fault::StallAtQuery(_) => usize::MAX,
            _ => after,
        };
        if n == 0 {
            let _ = client_out.shutdown(Shutdown::Both);
            return;
        }
        let allowed = after.saturating_sub(passed).min(n);
        if client_out.write_all(&buf[..allowed]).is_err() {
            return;
        }
        passed += allowed;
        if passed == after && allowed > 0 || after == 0 && passed == 0 {
            match fault {
                Fault::Terminate => {
                    terminate_backends(database);
                    let rest = &buf[allowed..n];
                    if client_out.write_all(rest).is_err() {
                        return;
                    }
                    let _ = std::io::copy(&mut server_in, &mut client_out);
                    let _ = client_out.shutdown(Shutdown::Both);
                    return;
                }
                Fault::Stall | Fault::StallAtQuery(_) => {
                    // Keep both ends open, forward nothing more, until the client leaves.
                    let _ = std::io::copy(&mut server_in, &mut std::io::sink());
                }
                Fault::Close => {
                    let _ = client_out.shutdown(Shutdown::Both);
                    let _ = server_in.shutdown(Shutdown::Both);
                }
            }
            return;
        }
    }
}

/// Terminates every other backend connected to `database`.
fn terminate_backends(database: &str) {
    let url = cluster().url("postgres");
    let config: postgres::Config = url.parse().unwrap();
    let mut client = config.connect(postgres::NoTls).unwrap();
    client
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&database],
        )
        .unwrap();
}

/// `command` against a proxy with `fault` after `after` bytes, run by [`run_watched`]. verify
/// gets `migration` as its one file.
fn through_proxy(command: &[&str], fault: Fault, after: usize) -> (Watched, String) {
    through_proxy_with(
        command,
        fault,
        after,
        "CREATE TABLE IF NOT EXISTS t (a int);\n",
    )
}

/// [`through_proxy`] with verify's migration given; also returns the database's name.
fn through_proxy_with(
    command: &[&str],
    fault: Fault,
    after: usize,
    migration: &str,
) -> (Watched, String) {
    let db = fresh_db();
    db.exec("CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL UNIQUE)");
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.yaml");
    std::fs::write(
        &schema,
        "version: 1\ntables:\n  accounts:\n    columns:\n      id: { type: bigint, primary_key: true }\n      email: { type: text, nullable: false, unique: true }\n",
    )
    .unwrap();
    let port = proxy(fault, after, &db.name);
    let url = format!(
        "postgresql://postgres@127.0.0.1:{port}/{}?sslmode=disable",
        db.name
    );
    let mut args: Vec<std::ffi::OsString> = command.iter().map(Into::into).collect();
    args.extend(["--timeout", "1", "--database-url", &url].map(Into::into));
    match command[0] {
        "pull" => {}
        // verify takes the URL as its --dev-url: its temporary database goes through the proxy.
        "verify" => {
            let migrations = dir.path().join("migrations");
            std::fs::create_dir(&migrations).unwrap();
            std::fs::write(migrations.join("001_t.sql"), migration).unwrap();
            args.push(migrations.into());
        }
        _ => {
            args.push("--schema".into());
            args.push(schema.into());
        }
    }
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    (run_watched(&args, None), db.name.clone())
}

/// A server (or proxy) that stopped sending in the middle of the catalog read hung
/// `check --timeout 3` forever, and `pull` had no timeout at all. Every stall and every closed
/// connection, wherever it falls, now ends in exit 2 with a message, within the timeout and a
/// few seconds of grace.
#[test]
fn stalled_or_closed_connections_end_every_command_in_bounded_time() {
    let mut cases = Vec::new();
    let all = &[Fault::Stall, Fault::Close, Fault::Terminate][..];
    for (command, offsets, faults) in [
        (&["check"][..], &[0, 9, 400, 1_500, 6_000][..], all),
        (&["repair", "--output", "-"], &[400, 6_000], all),
        (&["pull"], &[400, 6_000], all),
        // Its migrations run in a temporary database the terminating query does not name.
        (&["verify"], &[400, 800], &all[..2]),
    ] {
        for &fault in faults {
            for &after in offsets {
                cases.push((command, fault, after));
            }
        }
    }
    // A few at a time: each holds connections of the shared test cluster.
    let mut runs = Vec::new();
    for chunk in cases.chunks(9) {
        let chunk: Vec<_> = chunk
            .iter()
            .map(|&(command, fault, after)| {
                std::thread::spawn(move || {
                    (command, fault, after, through_proxy(command, fault, after))
                })
            })
            .collect();
        runs.extend(chunk.into_iter().map(|run| run.join().unwrap()));
    }
    let mut failures = Vec::new();
    for run in runs {
        let (command, fault, after, (run, _)) = run;
        let case = format!("{command:?} {fault:?} after {after} bytes");
        let stderr = &run.output;
        let clear = stderr.contains("driftlint::db::")
            && !stderr.contains("likely a bug")
            && !stderr.contains("panicked");
        if run.code != Some(2) || run.elapsed >= Duration::from_secs(30) || !clear {
            failures.push(format!(
                "{case}: exit {:?} after {:?}\n{stderr}",
                run.code, run.elapsed
            ));
        }
        if !run.leftovers.is_empty() {
            failures.push(format!("{case}: left {:?}", run.leftovers));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A backend terminated in the middle of the catalog read (57P01) was reported as "likely a bug
/// in driftlint"; it is an ordinary server event, named as such.
#[test]
fn a_backend_terminated_mid_read_is_named_not_called_a_bug() {
    let (run, _) = through_proxy(&["check"], Fault::Terminate, 1_500);
    let (code, stderr) = (run.code, run.output);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("driftlint::db::session_ended") && stderr.contains("57P01"),
        "{stderr}"
    );
    assert!(stderr.contains("terminat"), "{stderr}");
    assert!(!stderr.contains("likely a bug"), "{stderr}");
}

/// The catalog snapshot verify takes after a second run waited up to a fixed 300 s on a
/// `--dev-url` server gone silent, whatever `--timeout` said. It is bounded by `--timeout` now.
/// The stalled run may leave its temporary database; the next run on the server drops it, so
/// that after it none of either run is left.
#[test]
fn verify_snapshot_read_is_bounded_by_timeout_and_leaves_no_database() {
    // The second run inserts a row: verify reads the catalog inside its transaction.
    let (run, _) = through_proxy_with(
        &["verify"],
        Fault::StallAtQuery("search_path = pg_catalog"),
        0,
        "CREATE TABLE IF NOT EXISTS t (a int);\nINSERT INTO t VALUES (1);\n",
    );
    assert_eq!(run.code, Some(2), "{}", run.output);
    assert!(
        run.output.contains("driftlint::db::") && run.output.contains("replayed catalog"),
        "{}",
        run.output
    );
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
    assert!(run.leftovers.is_empty(), "{:?}", run.leftovers);

    let db = fresh_db();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("001_t.sql"), "SELECT 1;\n").unwrap();
    let next = run_watched(
        &[
            "verify".as_ref(),
            "--dev-url".as_ref(),
            db.url.as_ref(),
            dir.path().as_os_str(),
        ],
        None,
    );
    assert_eq!(next.code, Some(0), "{}", next.output);
    assert!(next.leftovers.is_empty(), "{:?}", next.leftovers);
    let left: Vec<String> = db
        .client()
        .query(
            "SELECT datname FROM pg_database WHERE datname LIKE 'driftlint\\_tmp\\_%'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get::<_, String>(0))
        .filter(|name| {
            [run.pid, next.pid]
                .iter()
                .any(|pid| name.contains(&format!("_{pid}_")))
        })
        .collect();
    assert!(left.is_empty(), "temporary databases left: {left:?}");
}

/// Hostile inputs (YAML nested 10,000 sequences or 100,000 brackets deep, a one-line statement
/// past the lint cap, /dev/zero as a schema, a configuration file and a SQL file) end in a
/// clean exit 2 under a 512 MiB address-space limit, and 100,000 nested parentheses in a clean
/// lint (an info finding): no crash, no allocation failure, nothing left behind. Reading
/// `/dev/zero` up to the lint cap took more than 512 MiB (a doubling buffer) and a 256 MiB
/// schema cap more still; `input::read_at_most` grows to the cap and no further now, and a
/// schema.yaml is capped at 64 MiB.
#[test]
fn hostile_input_ends_in_exit_2_under_a_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let nested_sequences = write(
        "sequences.yaml",
        format!("version: 1\ntables:\n  t:\n    {}x\n", "- ".repeat(10_000)),
    );
    let brackets = write(
        "brackets.yaml",
        format!("version: 1\ntables: {}\n", "[".repeat(100_000)),
    );
    let parentheses = write(
        "parentheses.sql",
        format!("SELECT {}1{};\n", "(".repeat(100_000), ")".repeat(100_000)),
    );
    let huge = one_line_file(dir.path(), "huge.sql", "INSERT INTO t VALUES ", 65 << 20);
    /// `check` of `schema` against a server that is not there: only the file is read.
    fn check(schema: &std::ffi::OsStr) -> Vec<&std::ffi::OsStr> {
        let unreachable = "postgresql://localhost:1/x";
        vec![
            "check".as_ref(),
            "--database-url".as_ref(),
            unreachable.as_ref(),
            "--schema".as_ref(),
            schema,
        ]
    }
    let cases: Vec<(Vec<&std::ffi::OsStr>, &str)> = vec![
        (
            check(nested_sequences.as_os_str()),
            "driftlint::schema::yaml",
        ),
        (check(brackets.as_os_str()), "driftlint::schema::yaml"),
        (check("/dev/zero".as_ref()), "driftlint::schema::read"),
        (
            vec!["lint".as_ref(), huge.as_os_str()],
            "driftlint::lint::too_large",
        ),
        (
            vec!["lint".as_ref(), "/dev/zero".as_ref()],
            "driftlint::lint::too_large",
        ),
        (
            vec![
                "lint".as_ref(),
                "--config".as_ref(),
                "/dev/zero".as_ref(),
                parentheses.as_os_str(),
            ],
            "driftlint::config::too_large",
        ),
        (
            vec!["lint".as_ref(), parentheses.as_os_str()],
            "unparsed-statement",
        ),
    ];
    let mut failures = Vec::new();
    for (args, code) in cases {
        let run = run_watched(&args, Some(512 << 20));
        let clear = run.output.contains(code)
            && !run.output.contains("panicked")
            && !run.output.contains("memory allocation");
        let expected = if code == "unparsed-statement" { 0 } else { 2 };
        if run.code != Some(expected) || !clear || !run.leftovers.is_empty() {
            failures.push(format!(
                "{args:?}: exit {:?}, left {:?}\n{}",
                run.code,
                run.leftovers,
                &run.output[..run.output.len().min(2_000)]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A file of `len` bytes: `line` repeated on one line (no newline until the end).
fn one_line_file(dir: &std::path::Path, name: &str, statement_start: &str, len: usize) -> PathBuf {
    let path = dir.join(name);
    let mut text = String::with_capacity(len + 64);
    text.push_str(statement_start);
    let mut n = 0;
    while text.len() < len {
        text.push_str(&format!("({n},'row {n}'),"));
        n += 1;
    }
    text.push_str("(0,'end');\n");
    std::fs::write(&path, text).unwrap();
    path
}

/// A 70 MB one-line statement peaked at 9 GB in lint, and its code frame printed the whole
/// line. A file over the lint cap is now a diagnostic (exit 2) read no further than the cap,
/// from a path, a device or stdin.
#[test]
fn lint_refuses_files_and_stdin_over_its_size_cap() {
    let dir = tempfile::tempdir().unwrap();
    let big = one_line_file(dir.path(), "big.sql", "INSERT INTO t VALUES ", 65 << 20);
    for args in [vec![big.to_str().unwrap()], vec!["/dev/zero"]] {
        let output = driftlint().arg("lint").args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("driftlint::lint::too_large"), "{stderr}");
        assert!(stderr.contains("larger than 64 MiB"), "{stderr}");
        assert!(output.stdout.len() < 4096, "{}", output.stdout.len());
    }
    let output = driftlint()
        .args(["lint", "-"])
        .pipe_stdin(&big)
        .unwrap()
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("<stdin> is larger than 64 MiB"), "{stderr}");
}

/// The human code frame printed the whole of a long line (238 MB of output for one warning on
/// a 70 MB statement): it is a window around the span now.
#[test]
fn a_code_frame_on_a_long_line_is_a_window_around_the_span() {
    let dir = tempfile::tempdir().unwrap();
    let long = one_line_file(dir.path(), "long.sql", "INSERT INTO t VALUES ", 3 << 20);
    let output = driftlint().arg("lint").arg(&long).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("insert-without-on-conflict"), "{stdout}");
    assert!(stdout.len() < 4096, "{} bytes of output", stdout.len());
}

/// lint's code frames printed control characters of the file raw (an `ESC ] 0 ; ... BEL` in a
/// comment retitled the terminal); they are shown escaped, as in the other reports.
#[test]
fn lint_code_frames_show_control_characters_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("esc.sql");
    std::fs::write(
        &path,
        "-- \u{1b}]0;owned\u{7}\nALTER TABLE t ADD COLUMN \"c\u{1b}[2J\" int;\n",
    )
    .unwrap();
    let output = driftlint().arg("lint").arg(&path).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("add-column-without-if-not-exists"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    assert!(stdout.contains("\\u{1b}]0;owned\\u{7}"), "{stdout}");
}

/// verify and check --migrations read a migration file whole: one past their cap is a
/// diagnostic before anything is applied.
#[test]
fn migration_files_over_the_size_cap_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("001_huge.sql");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len((64 << 20) + 1).unwrap();
    let run = run_watched(&["verify".as_ref(), dir.path().as_os_str()], None);
    let stderr = run.output;
    assert_eq!(run.code, Some(2), "{stderr}");
    assert!(
        stderr.contains("driftlint::migrations::too_large"),
        "{stderr}"
    );
    assert!(stderr.contains("larger than 64 MiB"), "{stderr}");
    assert!(run.leftovers.is_empty(), "{:?}", run.leftovers);
}

/// lint skipped symlinked `.sql` files and directories (1 file, exit 0) while verify and check
/// --migrations applied them. Every command follows them now, and a link looping back to a
/// directory above it is an error in every command.
#[test]
fn symlinked_sql_files_and_directories_are_followed_by_every_command() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("shared.sql"),
        "ALTER TABLE t ADD COLUMN b int;\n",
    )
    .unwrap();
    std::fs::create_dir(outside.path().join("more")).unwrap();
    std::fs::write(
        outside.path().join("more/003_more.sql"),
        "ALTER TABLE t ADD COLUMN c int;\n",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("001_create.sql"),
        "CREATE TABLE IF NOT EXISTS t (a int);\n",
    )
    .unwrap();
    symlink(
        outside.path().join("shared.sql"),
        dir.path().join("002_link.sql"),
    )
    .unwrap();
    symlink(outside.path().join("more"), dir.path().join("linked")).unwrap();

    let output = driftlint()
        .args(["lint", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 3, "{report}");
    assert_eq!(output.status.code(), Some(1));

    // A loop: every command names it and exits 2.
    symlink(dir.path(), dir.path().join("loop")).unwrap();
    for command in ["lint", "verify"] {
        let run = run_watched(&[command.as_ref(), dir.path().as_os_str()], None);
        let stderr = run.output;
        assert_eq!(run.code, Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("File system loop found"),
            "{command}: {stderr}"
        );
        assert!(run.leftovers.is_empty(), "{command}: {:?}", run.leftovers);
    }
}

/// `--config /dev/zero` read until memory ran out; a configuration file is capped too.
#[test]
fn a_configuration_file_from_dev_zero_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let sql = dir.path().join("001.sql");
    std::fs::write(&sql, "SELECT 1;\n").unwrap();
    let output = driftlint()
        .args(["lint", "--config", "/dev/zero"])
        .arg(&sql)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("driftlint::config::too_large"), "{stderr}");
}

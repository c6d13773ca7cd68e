//! The fault and abuse suite: a database connection that stalls or closes part-way, a backend
//! terminated mid-read, hostile input files, symbolic links. Every case ends with exit 2 and a
//! diagnostic that names what happened, in bounded time and output.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::util::{cluster, driftlint, fresh_db};

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
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut server_out);
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
                Fault::Stall => {
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

/// `command` against a proxy with `fault` after `after` bytes: exit code, stdout and stderr,
/// elapsed time.
fn through_proxy(command: &[&str], fault: Fault, after: usize) -> (Option<i32>, String, Duration) {
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
    let started = Instant::now();
    let mut cmd = driftlint();
    cmd.args(command)
        .args(["--timeout", "1", "--database-url", &url]);
    match command[0] {
        "pull" => {}
        // verify takes the URL as its --dev-url: its temporary database goes through the proxy.
        "verify" => {
            let migrations = dir.path().join("migrations");
            std::fs::create_dir(&migrations).unwrap();
            std::fs::write(
                migrations.join("001_t.sql"),
                "CREATE TABLE IF NOT EXISTS t (a int);\n",
            )
            .unwrap();
            cmd.arg(&migrations);
        }
        _ => {
            cmd.arg("--schema").arg(&schema);
        }
    }
    let output = cmd.timeout(Duration::from_secs(60)).output().unwrap();
    (
        output.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        started.elapsed(),
    )
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
        let (command, fault, after, (code, stderr, elapsed)) = run;
        let case = format!("{command:?} {fault:?} after {after} bytes");
        let clear = stderr.contains("driftlint::db::")
            && !stderr.contains("likely a bug")
            && !stderr.contains("panicked");
        if code != Some(2) || elapsed >= Duration::from_secs(30) || !clear {
            failures.push(format!("{case}: exit {code:?} after {elapsed:?}\n{stderr}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A backend terminated in the middle of the catalog read (57P01) was reported as "likely a bug
/// in driftlint"; it is an ordinary server event, named as such.
#[test]
fn a_backend_terminated_mid_read_is_named_not_called_a_bug() {
    let (code, stderr, _) = through_proxy(&["check"], Fault::Terminate, 1_500);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("driftlint::db::session_ended") && stderr.contains("57P01"),
        "{stderr}"
    );
    assert!(stderr.contains("terminat"), "{stderr}");
    assert!(!stderr.contains("likely a bug"), "{stderr}");
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
    let output = driftlint()
        .arg("verify")
        .arg(dir.path())
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("driftlint::migrations::too_large"),
        "{stderr}"
    );
    assert!(stderr.contains("larger than 64 MiB"), "{stderr}");
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
    for command in [&["lint"][..], &["verify"]] {
        let output = driftlint()
            .args(command)
            .arg(dir.path())
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
        assert!(
            stderr.contains("File system loop found"),
            "{command:?}: {stderr}"
        );
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

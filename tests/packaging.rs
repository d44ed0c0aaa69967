//! Packaging: the generated files the .deb ships (dist/) are what the binary generates now, completions and the
//! man page come from the clap definitions, the shipped unit and sysusers entry agree, and the query socket as the
//! binary creates it lets the daemon's group in and nobody else (what can be tested without systemd).

mod common;

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::daemon::Daemon;
use common::TestEnv;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn stdout_of(args: &[&str]) -> String {
    let out = Command::new(common::bin()).args(args).output().expect("run presswatch");
    assert!(out.status.success(), "presswatch {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

const REGENERATE: &str = "dist/ is out of date: run scripts/gen-dist.sh and commit dist/";

#[test]
fn completions_and_man_pages_come_from_the_cli_and_dist_holds_them() {
    let bash = stdout_of(&["completions", "bash"]);
    for sub in ["run", "once", "status", "demo", "diff", "completions", "man"] {
        assert!(bash.contains(sub), "bash completion lacks {sub}");
    }
    assert!(stdout_of(&["completions", "zsh"]).starts_with("#compdef presswatch"));
    assert!(stdout_of(&["completions", "fish"]).contains("complete -c presswatch"));
    let bad = Command::new(common::bin()).args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let man = stdout_of(&["man"]);
    assert!(man.contains(".TH presswatch 1"), "{man}");
    assert!(man.contains("demo") && man.contains("status"), "the man page lists the subcommands");

    let dir = tempfile::tempdir().unwrap();
    stdout_of(&["man", "--dir", dir.path().to_str().unwrap()]);
    let mut generated: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    generated.sort();
    let mut shipped: Vec<String> = std::fs::read_dir(repo("dist/man"))
        .expect(REGENERATE)
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    shipped.sort();
    assert_eq!(generated, shipped, "{REGENERATE}");
    assert!(generated.contains(&"presswatch-diff.1".to_string()) && generated.len() >= 15);
    for page in &generated {
        let now = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert_eq!(now, std::fs::read_to_string(repo("dist/man").join(page)).unwrap(), "{page}: {REGENERATE}");
    }
    for (shell, file) in [("bash", "presswatch.bash"), ("zsh", "_presswatch"), ("fish", "presswatch.fish")] {
        let shipped = std::fs::read_to_string(repo("dist/completions").join(file)).expect(REGENERATE);
        assert_eq!(stdout_of(&["completions", shell]), shipped, "{file}: {REGENERATE}");
    }
    // The packaged configuration is the default one with the system's store and socket paths set.
    let default = std::fs::read_to_string(repo("config/presswatch.toml")).unwrap();
    let expected =
        default.replace("\n# path = \"/var/lib/presswatch\"\n", "\npath = \"/var/lib/presswatch\"\n").replace(
            "\n# socket = \"/run/presswatch/presswatch.sock\"\n",
            "\nsocket = \"/run/presswatch/presswatch.sock\"\n",
        );
    assert_ne!(expected, default, "config/presswatch.toml lost its commented store path or socket lines");
    assert_eq!(std::fs::read_to_string(repo("dist/presswatch.toml")).expect(REGENERATE), expected, "{REGENERATE}");
}

#[test]
fn the_shipped_unit_runs_as_the_static_presswatch_user_with_a_group_readable_runtime_directory() {
    let unit = std::fs::read_to_string(repo("systemd/presswatch.service")).unwrap();
    let lines: Vec<&str> = unit.lines().map(str::trim).filter(|l| !l.starts_with('#')).collect();
    for want in ["User=presswatch", "Group=presswatch", "RuntimeDirectory=presswatch", "RuntimeDirectoryMode=0750"] {
        assert!(lines.contains(&want), "the unit lacks {want}");
    }
    assert!(
        !lines.iter().any(|l| l.starts_with("DynamicUser=yes")),
        "a dynamic user's group cannot be given to operators"
    );
    let sysusers = std::fs::read_to_string(repo("systemd/presswatch.sysusers")).unwrap();
    let entries: Vec<&str> = sysusers.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
    assert_eq!(entries, ["u presswatch - \"presswatch news-feed monitor\" /var/lib/presswatch"]);
    let config = std::fs::read_to_string(repo("dist/presswatch.toml")).unwrap();
    assert!(config.contains("\nsocket = \"/run/presswatch/presswatch.sock\"\n"), "operators' CLI must find the socket");
}

/// A store in a tempdir and the socket in a directory anyone may enter, as /run/presswatch is to the group.
fn env_with_open_socket_dir() -> (TestEnv, PathBuf) {
    let run = tempfile::Builder::new().prefix("presswatch-run-").tempdir().unwrap().keep();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
    let socket = run.join("presswatch.sock");
    let env = TestEnv::new(&[], "");
    let text =
        format!("[store]\npath = {:?}\nsocket = {:?}\n", env.store.display().to_string(), socket.display().to_string());
    std::fs::write(&env.config, text).unwrap();
    (env, socket)
}

fn wait_for_socket(path: &Path) -> std::fs::Metadata {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(m) = std::fs::metadata(path) {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return m;
            }
        }
        assert!(Instant::now() < deadline, "no socket at {} within 20 s", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn own_gid() -> u32 {
    let out = Command::new("id").arg("-g").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn the_socket_is_0660_with_the_daemons_group_whatever_the_umask() {
    for umask in [0o000, 0o077, 0o027] {
        let (env, socket) = env_with_open_socket_dir();
        let daemon = Daemon::start_with_umask(&env, Some(umask));
        // Ready is logged once the signal handlers are in place, so the SIGTERM below is a clean stop.
        daemon.wait_for("daemon.ready", 1, Duration::from_secs(20));
        let meta = wait_for_socket(&socket);
        assert!(meta.file_type().is_socket());
        assert_eq!(meta.permissions().mode() & 0o7777, 0o660, "umask {umask:03o}");
        assert_eq!(meta.gid(), own_gid(), "the socket belongs to the daemon's (primary) group");
        drop(daemon);
        assert!(!socket.exists(), "a stopped daemon removes its socket");
        let _ = std::fs::remove_dir_all(socket.parent().unwrap());
    }
}

/// Runs `presswatch status --json` as the user `nobody`, with `groups` as its supplementary groups.
fn status_as_nobody(env: &TestEnv, groups: &str) -> std::process::Output {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", &format!("--groups={groups}"), "--"]).arg(common::bin()).args([
        "--config",
        env.config.to_str().unwrap(),
        "status",
        "--json",
    ]);
    common::clean_env(&mut cmd);
    cmd.output().expect("setpriv")
}

#[test]
fn a_member_of_the_daemons_group_can_query_it_and_another_user_cannot() {
    if own_gid() != 0 || Command::new("setpriv").arg("--version").output().is_err() {
        // Changing to another user needs root and util-linux's setpriv (CI runs as root on Debian).
        eprintln!("skipped: needs root and setpriv to act as another user");
        return;
    }
    let (env, socket) = env_with_open_socket_dir();
    // The config must be readable by the other user; its directory must be enterable.
    std::fs::set_permissions(env.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(&env.config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let daemon = Daemon::start(&env);
    daemon.wait_for("daemon.ready", 1, Duration::from_secs(20));
    wait_for_socket(&socket);
    // In the daemon's group (root's, here): the daemon answers.
    let member = status_as_nobody(&env, "0");
    assert!(member.status.success(), "{}", String::from_utf8_lossy(&member.stderr));
    let v: serde_json::Value = serde_json::from_slice(&member.stdout).unwrap();
    assert_eq!(v["daemon"], true);
    // Not in it: the socket refuses the connection, and the store is not theirs to open either.
    let other = status_as_nobody(&env, "65534");
    assert_eq!(other.status.code(), Some(1), "{}", String::from_utf8_lossy(&other.stdout));
    let err = String::from_utf8_lossy(&other.stderr);
    assert!(err.contains("cannot open the store") || err.contains("Permission denied"), "{err}");
    drop(daemon);
    let _ = std::fs::remove_dir_all(socket.parent().unwrap());
}

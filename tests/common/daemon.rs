//! A running `presswatch run` for the tests that need the daemon: its stdout collected line by line, stopped
//! with SIGTERM (then killed) when dropped, so a failed assertion never leaves a daemon behind.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::TestEnv;

pub struct Daemon {
    pub child: Child,
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    /// `presswatch --config ENV --log-format json run`.
    pub fn start(env: &TestEnv) -> Daemon {
        Daemon::spawn(Daemon::command(env), None)
    }

    /// The same, with systemd's notify socket (and a 1 s watchdog).
    pub fn start_notified(env: &TestEnv, notify: &Path) -> Daemon {
        Daemon::spawn(Daemon::command(env), Some(notify))
    }

    /// The same, with `umask` applied first.
    pub fn start_with_umask(env: &TestEnv, umask: Option<u32>) -> Daemon {
        let cmd = match umask {
            Some(m) => {
                let mut c = Command::new("sh");
                c.args(["-c", &format!("umask {m:03o}; exec \"$0\" \"$@\""), super::bin()]);
                c.args(Daemon::args(env));
                c
            }
            None => Daemon::command(env),
        };
        Daemon::spawn(cmd, None)
    }

    fn args(env: &TestEnv) -> [String; 5] {
        ["--config".into(), env.config.to_str().unwrap().into(), "--log-format".into(), "json".into(), "run".into()]
    }

    fn command(env: &TestEnv) -> Command {
        let mut cmd = Command::new(super::bin());
        cmd.args(Daemon::args(env));
        cmd
    }

    /// Runs `cmd` (the binary, or a shell that execs it) as the daemon.
    pub fn spawn(mut cmd: Command, notify: Option<&Path>) -> Daemon {
        super::clean_env(&mut cmd);
        cmd.env_remove("WATCHDOG_PID");
        if let Some(n) = notify {
            cmd.env("NOTIFY_SOCKET", n).env("WATCHDOG_USEC", "1000000");
        }
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (out, sink) = (child.stdout.take().unwrap(), lines.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Daemon { child, lines }
    }

    /// How many log lines so far have this `event` field.
    pub fn logged(&self, event: &str) -> usize {
        self.lines.lock().unwrap().iter().filter(|l| l.contains(&format!("\"event\":\"{event}\""))).count()
    }

    /// Waits until `event` was logged `count` times; panics with the log after `within`.
    pub fn wait_for(&self, event: &str, count: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.logged(event) < count {
            assert!(
                Instant::now() < deadline,
                "{event} not logged {count} times within {within:?}:\n{}",
                self.lines.lock().unwrap().join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the first log line (parsed as JSON) that `f` accepts; panics with the log after `within`.
    pub fn wait_for_line(&self, what: &str, within: Duration, f: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let found =
                self.lines.lock().unwrap().iter().filter_map(|l| serde_json::from_str::<Value>(l).ok()).find(&f);
            if let Some(v) = found {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}:\n{}",
                self.lines.lock().unwrap().join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The log lines so far whose message is `message`.
    pub fn messages(&self, message: &str) -> Vec<String> {
        let needle = format!("\"message\":\"{message}\"");
        self.lines.lock().unwrap().iter().filter(|l| l.contains(&needle)).cloned().collect()
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill").args([sig, &self.child.id().to_string()]).status().unwrap().success();
        assert!(ok, "kill {sig}");
    }

    /// SIGTERM, then the exit code, how long the exit took, and every log line.
    pub fn stop(mut self) -> (i32, Duration, Vec<String>) {
        let started = Instant::now();
        self.signal("-TERM");
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(started.elapsed() < Duration::from_secs(15), "the daemon did not stop within 15 s");
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = started.elapsed();
        std::thread::sleep(Duration::from_millis(100));
        let lines = self.lines.lock().unwrap().clone();
        (status.code().unwrap_or(-1), took, lines)
    }
}

impl Drop for Daemon {
    /// SIGTERM first (the store is flushed), then a kill after 15 s.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `f` every 100 ms until it gives a value, failing the test after `within`.
pub fn wait_until<T>(what: &str, within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

//! A running `presswatch run` for tests, its stdout collected line by line; stopped with SIGTERM (then killed)
//! when dropped, so a failed assertion never leaves a daemon behind.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::TestEnv;

pub struct Daemon {
    pub child: Child,
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    /// `presswatch --config ENV --log-format json run`, with `umask` applied first when given.
    pub fn start_with_umask(env: &TestEnv, umask: Option<u32>) -> Daemon {
        let mut cmd = match umask {
            Some(m) => {
                let mut c = Command::new("sh");
                c.args(["-c", &format!("umask {m:03o}; exec \"$0\" \"$@\""), super::bin()]);
                c
            }
            None => Command::new(super::bin()),
        };
        cmd.args(["--config", env.config.to_str().unwrap(), "--log-format", "json", "run"]);
        super::clean_env(&mut cmd);
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start presswatch run");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (out, sink) = (child.stdout.take().unwrap(), lines.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Daemon { child, lines }
    }

    pub fn start(env: &TestEnv) -> Daemon {
        Daemon::start_with_umask(env, None)
    }

    /// How many log lines carry `"event":"NAME"`.
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
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

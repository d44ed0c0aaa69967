//! Exec sink: runs a command with the event JSON on stdin; exit status 0 means delivered.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::event::Event;

/// How much of the command's stderr is kept for the error message.
const STDERR_KEEP: usize = 2048;

pub struct Exec {
    command: Vec<String>,
    timeout: Duration,
}

impl Exec {
    pub fn new(command: Vec<String>, timeout: Duration) -> Exec {
        Exec { command, timeout }
    }

    pub async fn deliver(&self, event: &Event, body: &[u8]) -> Result<(), String> {
        let shown = self.command.join(" ");
        let mut child = tokio::process::Command::new(&self.command[0])
            .args(&self.command[1..])
            .env("PRESSWATCH_EVENT_ID", event.id())
            .env("PRESSWATCH_EVENT", &event.view.event)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // A command that outlives its timeout is killed when the attempt is dropped.
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
        let mut stdin = child.stdin.take().expect("piped stdin");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let mut input = body.to_vec();
        input.push(b'\n');
        let run = async {
            // A command that does not read its stdin may close it: not an error in itself, its exit status says.
            let _ = stdin.write_all(&input).await;
            drop(stdin);
            let mut kept = Vec::new();
            let mut buf = [0u8; 4096];
            // Drain stderr to the end (a full pipe would block the command), keeping only its beginning.
            while let Ok(n) = stderr.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                let room = STDERR_KEEP.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            (child.wait().await, kept)
        };
        let (status, stderr) = tokio::time::timeout(self.timeout, run)
            .await
            .map_err(|_| format!("`{shown}` did not finish within {:?}", self.timeout))?;
        let status = status.map_err(|e| format!("cannot wait for `{shown}`: {e}"))?;
        if status.success() {
            return Ok(());
        }
        let said = String::from_utf8_lossy(&stderr).trim().to_string();
        let said = if said.is_empty() { String::new() } else { format!(": {said}") };
        Err(format!("`{shown}` exited with {status}{said}"))
    }
}

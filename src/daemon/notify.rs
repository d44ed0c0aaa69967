//! systemd's notify protocol (`Type=notify`): READY=1, STATUS=..., WATCHDOG=1 and STOPPING=1, sent as
//! datagrams to `$NOTIFY_SOCKET`. Without that variable every call is a no-op, so the daemon behaves the same
//! outside systemd. Written by hand: it is one datagram per message.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

pub struct Notifier {
    socket: Option<(UnixDatagram, String)>,
}

impl Notifier {
    /// Reads `$NOTIFY_SOCKET` (a path, or `@name` for an abstract socket).
    pub fn from_env() -> Notifier {
        let socket = std::env::var("NOTIFY_SOCKET").ok().filter(|s| !s.is_empty()).and_then(|path| {
            let sock = UnixDatagram::unbound().ok()?;
            // Never block a runtime thread on a notify socket whose reader is slow or gone: a message that
            // does not fit is dropped (the next STATUS or WATCHDOG supersedes it).
            sock.set_nonblocking(true).ok()?;
            Some((sock, path))
        });
        Notifier { socket }
    }

    pub fn enabled(&self) -> bool {
        self.socket.is_some()
    }

    /// Sends one message; failures are logged, never fatal (systemd may be gone during shutdown).
    pub fn send(&self, message: &str) {
        let Some((sock, path)) = &self.socket else { return };
        let result = if let Some(name) = path.strip_prefix('@') {
            send_abstract(sock, name, message)
        } else {
            sock.send_to(message.as_bytes(), path).map(|_| ())
        };
        match result {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                tracing::debug!(socket = %path, "notify socket full; message dropped")
            }
            Err(e) => tracing::warn!(error = %e, socket = %path, "cannot notify systemd"),
            Ok(()) => {}
        }
    }

    pub fn ready(&self, status: &str) {
        self.send(&format!("READY=1\nSTATUS={status}"));
    }

    pub fn status(&self, status: &str) {
        self.send(&format!("STATUS={status}"));
    }

    pub fn watchdog(&self) {
        self.send("WATCHDOG=1");
    }

    pub fn stopping(&self) {
        self.send("STOPPING=1");
    }
}

#[cfg(target_os = "linux")]
fn send_abstract(sock: &UnixDatagram, name: &str, message: &str) -> std::io::Result<()> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
    sock.send_to_addr(message.as_bytes(), &addr).map(|_| ())
}

#[cfg(not(target_os = "linux"))]
fn send_abstract(_sock: &UnixDatagram, _name: &str, _message: &str) -> std::io::Result<()> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "abstract sockets need Linux"))
}

/// Half of `$WATCHDOG_USEC`, the interval at which systemd wants WATCHDOG=1, if the unit set WatchdogSec.
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID") {
        if pid.parse::<u32>().ok() != Some(std::process::id()) {
            return None;
        }
    }
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

//! A raw HTTP responder for tests that need to misbehave (endless or trickling bodies, redirects, slow pages)
//! or to watch requests in flight: one thread per connection, the handler writes whatever it likes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// Reads a request head and returns its path (without the query).
pub fn read_path(stream: &mut TcpStream) -> Option<String> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 || buf.len() > 16 * 1024 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf);
    head.split(' ').nth(1).map(|t| t.split('?').next().unwrap_or("/").to_string())
}

/// Writes a complete response with a Content-Length.
pub fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.write_all(body);
}

/// Serves each connection on its own thread with `handler(path, stream, own address)`.
pub fn serve(bind: &str, handler: impl Fn(&str, &mut TcpStream, SocketAddr) + Send + Sync + 'static) -> SocketAddr {
    let listener = TcpListener::bind(bind).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let handler = handler.clone();
            std::thread::spawn(move || {
                if let Some(path) = read_path(&mut stream) {
                    handler(&path, &mut stream, addr);
                }
            });
        }
    });
    addr
}

/// An RSS 2.0 feed of (title, link) items.
pub fn rss(items: &[(String, String)]) -> String {
    let items: String = items
        .iter()
        .map(|(title, link)| format!("<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title><link>http://x/</link>{items}</channel></rss>"#
    )
}

/// A plain article page of four paragraphs built around `sentence`.
pub fn article_page(title: &str, sentence: &str) -> String {
    let paras: String = (1..=4)
        .map(|i| format!("<p>{sentence} Đoạn {i} của bài viết có đủ chữ để được coi là nội dung chính.</p>"))
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><article><h1>{title}</h1>{paras}</article></body></html>"
    )
}

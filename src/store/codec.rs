//! How records become bytes: JSON (zstd for versions and pages) and big-endian keys, so that sled's order is
//! numeric order.

use chrono::{DateTime, Utc};
use serde::{de::DeserializeOwned, Serialize};

use super::records::KeptPage;
use super::StoreError;

pub(crate) fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("records always serialise")
}

pub(crate) fn from_json<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt { what: what.to_string(), detail: e.to_string() })
}

pub(crate) fn compress<T: Serialize>(v: &T) -> Vec<u8> {
    zstd(&to_json(v), Level::Records)
}

/// zstd levels by what is compressed.
#[derive(Clone, Copy)]
enum Level {
    /// Versions: a few kilobytes of text each, compressed once; level 3 is zstd's default.
    Records = 3,
    /// Kept pages: 100-300 KB each, every one of them compressed on the crawl's path. Level 1 takes a fifth to a
    /// quarter less CPU than level 3 for 6-7% more bytes (this crate, 200 generated and 200 WCXB pages: 0.28
    /// against 0.35 ms and 0.59 against 0.79 ms a page); the page's compression was a tenth of a first pass's CPU
    /// at level 3.
    Pages = 1,
}

/// Compression contexts for reuse: making one costs more than compressing a small page with it (a page a
/// millisecond of zeroed tables), and keeping one per thread costs megabytes for each of the runtime's blocking
/// threads. At most this many are kept, for each level.
const SPARE_COMPRESSORS: usize = 4;

type Spares = std::sync::Mutex<Vec<zstd::bulk::Compressor<'static>>>;
static RECORD_COMPRESSORS: Spares = std::sync::Mutex::new(Vec::new());
static PAGE_COMPRESSORS: Spares = std::sync::Mutex::new(Vec::new());

fn zstd(raw: &[u8], level: Level) -> Vec<u8> {
    let pool = match level {
        Level::Records => &RECORD_COMPRESSORS,
        Level::Pages => &PAGE_COMPRESSORS,
    };
    let spare = pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
    let mut compressor =
        spare.unwrap_or_else(|| zstd::bulk::Compressor::new(level as i32).expect("a zstd context at a valid level"));
    let out = compressor.compress(raw).expect("zstd compression of an in-memory buffer");
    let mut spares = pool.lock().unwrap_or_else(|e| e.into_inner());
    if spares.len() < SPARE_COMPRESSORS {
        spares.push(compressor);
    }
    out
}

pub(crate) fn decompress<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    let raw = zstd::stream::decode_all(bytes)
        .map_err(|e| StoreError::Corrupt { what: what.to_string(), detail: e.to_string() })?;
    from_json(what, &raw)
}

#[derive(Serialize, serde::Deserialize)]
struct PageHead {
    url: String,
    #[serde(default)]
    content_type: Option<String>,
}

/// A kept page: zstd over a JSON head line (URL, content type) and the body bytes as fetched.
pub(crate) fn encode_page(page: &KeptPage) -> Vec<u8> {
    let mut raw = to_json(&PageHead { url: page.url.clone(), content_type: page.content_type.clone() });
    raw.push(b'\n');
    raw.extend_from_slice(&page.body);
    zstd(&raw, Level::Pages)
}

pub(crate) fn decode_page(bytes: &[u8]) -> Result<KeptPage, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt { what: "kept page".into(), detail };
    let raw = zstd::stream::decode_all(bytes).map_err(|e| corrupt(e.to_string()))?;
    let split = raw.iter().position(|b| *b == b'\n').ok_or_else(|| corrupt("no head line".into()))?;
    let head: PageHead = from_json("kept page", &raw[..split])?;
    Ok(KeptPage { url: head.url, content_type: head.content_type, body: raw[split + 1..].to_vec() })
}

pub(crate) fn version_key(id: u64, version: u32) -> [u8; 12] {
    let mut k = [0u8; 12];
    k[..8].copy_from_slice(&id.to_be_bytes());
    k[8..].copy_from_slice(&version.to_be_bytes());
    k
}

pub(crate) fn entry_key(feed: &str, key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(feed.len() + key.len() + 1);
    k.extend_from_slice(feed.as_bytes());
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

pub(crate) fn recheck_key(due: DateTime<Utc>, id: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    // Times before 1970 do not occur; clamp so the key stays ordered.
    k[..8].copy_from_slice(&(due.timestamp_millis().max(0) as u64).to_be_bytes());
    k[8..].copy_from_slice(&id.to_be_bytes());
    k
}

pub(crate) fn be_u64(bytes: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    let n = bytes.len().min(8);
    a[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_page_round_trips_with_any_bytes() {
        let page = KeptPage {
            url: "https://a.example/1.html".into(),
            content_type: Some("text/html; charset=windows-1258".into()),
            body: vec![0, b'\n', 0xff, b'<', b'p', b'>'],
        };
        assert_eq!(decode_page(&encode_page(&page)).unwrap(), page);
        assert!(decode_page(b"not zstd").is_err());
    }
}

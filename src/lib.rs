//! presswatch: a news-feed crawler and change monitor.
//!
//! The data flows one way through one module per stage (see ARCHITECTURE.md):
//! config → fetch(feed) → feed → canon → fetch(page) → decode → extract → normalize → store → event log.

pub mod canon;
pub mod cli;
pub mod client;
pub mod config;
pub mod crawl;
pub mod daemon;
pub mod decode;
pub mod diff;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod log;
pub mod metrics;
pub mod normalize;
pub mod query;
pub mod reextract;
pub mod store;
pub mod view;

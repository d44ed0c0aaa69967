//! presswatch: a news-feed crawler and change monitor.
//!
//! The data flows one way through one module per stage (see ARCHITECTURE.md):
//! config → source (fetch + feed | sitemap) → canon → store (the poll's state and page jobs) → fetch(page) →
//! decode → extract → normalize → store (decide, then write: article, version, events) → event log →
//! event (+ change summary) → log line, queries, sinks.

pub mod canon;
pub mod change;
pub mod churn;
pub mod cli;
pub mod client;
pub mod config;
pub mod config_edit;
pub mod crawl;
pub mod daemon;
pub mod decode;
pub mod demo;
pub mod diff;
pub mod discover;
pub mod event;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod log;
pub mod metrics;
pub mod normalize;
pub mod opml;
pub mod query;
pub mod reextract;
pub mod sink;
pub mod sitemap;
pub mod source;
pub mod store;
pub mod view;
pub mod web;

//! robots.txt, per host, cached for a day. Honoured for article pages: a feed is an invitation to read the
//! feed, not necessarily every page it links.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use url::Url;

use super::Fetcher;

const TTL: Duration = Duration::from_secs(24 * 3600);
/// A Crawl-delay larger than this is taken as this (a site asking for an hour between pages would stop us).
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);
/// robots.txt files larger than this are ignored (Google reads 500 KiB).
const MAX_ROBOTS_BYTES: usize = 512 * 1024;

/// The parsed rules of one host, or "allow everything".
#[derive(Clone)]
pub struct Rules {
    robot: Option<Arc<texting_robots::Robot>>,
    pub crawl_delay: Option<Duration>,
}

impl Rules {
    fn allow_all() -> Rules {
        Rules { robot: None, crawl_delay: None }
    }

    pub fn allows(&self, url: &Url) -> bool {
        self.robot.as_ref().is_none_or(|r| r.allowed(url.as_str()))
    }
}

/// The rules of one origin, filled on first use; its lock makes concurrent pages wait for one fetch.
type Slot = Arc<tokio::sync::Mutex<Option<(Instant, Rules)>>>;

#[derive(Clone)]
pub struct Cache {
    agent: String,
    /// One async lock per origin, so that a hundred pages of one site wait for one robots.txt fetch.
    hosts: Arc<Mutex<HashMap<String, Slot>>>,
}

impl Cache {
    pub fn new(user_agent: &str) -> Cache {
        // robots.txt groups name the product token: "presswatch" of "presswatch/0.1 (+...)".
        let agent = user_agent.split(['/', ' ']).next().unwrap_or("presswatch").to_string();
        Cache { agent, hosts: Arc::new(Mutex::new(HashMap::new())) }
    }

    pub async fn rules_for(&self, fetcher: &Fetcher, url: &Url) -> Rules {
        let origin = url.origin().ascii_serialization();
        let entry = self.hosts.lock().expect("robots cache lock").entry(origin).or_default().clone();
        let mut cached = entry.lock().await;
        if let Some((at, rules)) = cached.as_ref() {
            if at.elapsed() < TTL {
                return rules.clone();
            }
        }
        let rules = match url.join("/robots.txt") {
            Ok(robots_url) => match fetcher.get(&robots_url, None).await {
                Ok(resp) if resp.body.len() <= MAX_ROBOTS_BYTES => {
                    match texting_robots::Robot::new(&self.agent, &resp.body) {
                        Ok(robot) => Rules {
                            crawl_delay: robot.delay.filter(|d| d.is_finite() && *d > 0.0).map(Duration::from_secs_f32),
                            robot: Some(Arc::new(robot)),
                        },
                        Err(_) => Rules::allow_all(),
                    }
                }
                // Missing (404), unreachable or oversized: no rules, as crawlers commonly treat it.
                _ => Rules::allow_all(),
            },
            Err(_) => Rules::allow_all(),
        };
        *cached = Some((Instant::now(), rules.clone()));
        rules
    }
}

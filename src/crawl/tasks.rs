//! How a pass runs its feed polls and pages as tasks: a bounded number at a time, and each host in turn with a
//! bounded share, so that one host's long run of pages (a sitemap's backlog) cannot hold the others back.

use std::collections::{HashMap, VecDeque};

use tokio::task::{JoinError, JoinSet};

use crate::store;

/// A page a pass has to fetch: a queued job, or the re-check of a stored article.
pub(super) enum PageTask {
    Job(store::JobRecord),
    Recheck(u64),
}

/// How many of a pass's polls or pages may be tasks at once, in all and for one host; the rest wait as records.
/// Spawning a whole pass at once made every task start its store read together (a thread of the blocking pool
/// each, up to its cap) and hold its state meanwhile: a re-check pass over 2,000 stored articles peaked at
/// 129-145 MB against 122-124 MB with 256 tasks at a time, at the same speed, and the cost grows with the pass
/// (a daemon back after a long stop can find 100,000 pages due).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bounds {
    pub at_once: usize,
    pub per_host: usize,
}

impl Bounds {
    /// Eight times the requests in flight, in all and per host: a fetched page keeps its request's place until it
    /// is extracted, so more tasks than places keep the fetches and the extraction threads busy together.
    pub(super) fn for_requests(concurrency: usize, per_host_concurrency: usize) -> Bounds {
        Bounds {
            at_once: concurrency.saturating_mul(8).max(64),
            per_host: per_host_concurrency.saturating_mul(8).max(8),
        }
    }
}

/// The key a page's URL shares the pass by: the fetcher's own per-host key ([`crate::fetch::host_key`]), so
/// that a host's share of tasks is counted as its requests are. A URL that does not parse (its task fails at
/// once) has the empty key.
pub(super) fn host_of(url: &str) -> String {
    url::Url::parse(url).map(|u| crate::fetch::host_key(&u)).unwrap_or_default()
}

/// Starts `start(item)` for each item as a task, at most `bounds.at_once` at a time and `bounds.per_host` of
/// one host, hosts taking turns in the order first met; hands each task's result (or its panic) to `done` as it
/// ends. Items wait as themselves, not as futures: a page's future is about 4 KiB before it starts.
pub(super) async fn run_fairly<I, T, F>(
    items: impl IntoIterator<Item = (String, I)>,
    bounds: Bounds,
    start: impl Fn(I) -> F,
    mut done: impl FnMut(Result<T, JoinError>),
) where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let (at_once, per_host) = (bounds.at_once.max(1), bounds.per_host.max(1));
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut queues: Vec<VecDeque<I>> = Vec::new();
    for (host, item) in items {
        let next = queues.len();
        let h = *index.entry(host).or_insert(next);
        if h == next {
            queues.push(VecDeque::new());
        }
        queues[h].push_back(item);
    }
    drop(index);
    let mut running_of = vec![0usize; queues.len()];
    // Hosts with items waiting and room for another task, each once, in turn.
    let mut ready: VecDeque<usize> = (0..queues.len()).collect();
    let mut host_of_task = HashMap::new();
    let mut running = JoinSet::new();
    loop {
        while running.len() < at_once {
            let Some(h) = ready.pop_front() else { break };
            let item = queues[h].pop_front().expect("a ready host has an item waiting");
            host_of_task.insert(running.spawn(start(item)).id(), h);
            running_of[h] += 1;
            if !queues[h].is_empty() && running_of[h] < per_host {
                ready.push_back(h);
            }
        }
        let Some(res) = running.join_next_with_id().await else { return };
        let id = match &res {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        if let Some(h) = host_of_task.remove(&id) {
            running_of[h] -= 1;
            // A host that was at its share had left the turns; it comes back with room again.
            if !queues[h].is_empty() && running_of[h] + 1 == per_host {
                ready.push_back(h);
            }
        }
        done(res.map(|(_, t)| t));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    #[test]
    fn a_pass_runs_eight_tasks_a_request_in_flight() {
        assert_eq!(Bounds::for_requests(32, 2), Bounds { at_once: 256, per_host: 16 });
        assert_eq!(Bounds::for_requests(1, 0), Bounds { at_once: 64, per_host: 8 });
        assert_eq!(Bounds::for_requests(usize::MAX, 4).at_once, usize::MAX);
    }

    #[test]
    fn a_page_shares_the_pass_by_the_fetchers_host_key() {
        assert_eq!(host_of("https://a.example/1"), "a.example:443");
        assert_eq!(host_of("https://a.example:443/2?y#z"), "a.example:443");
        assert_eq!(host_of("http://A.Example/3"), "a.example:80");
        assert_eq!(host_of("http://b.example:8080?x=1"), "b.example:8080");
        assert_eq!(host_of("https://d.example/feed.xml#item=4"), "d.example:443");
        assert_eq!(host_of("no-scheme/path"), "");
        assert_eq!(host_of(""), "");
    }

    /// Runs `items` (host, number) with tasks that sleep 5 ms, and returns the order they were started in, the
    /// most alive at once in all and per host, and what `done` received.
    async fn run(items: Vec<(&str, u32)>, bounds: Bounds) -> (Vec<u32>, usize, HashMap<String, usize>, u32, usize) {
        #[derive(Default)]
        struct Seen {
            started: Vec<u32>,
            alive: usize,
            most: usize,
            alive_of: HashMap<String, usize>,
            most_of: HashMap<String, usize>,
        }
        let seen = Arc::new(Mutex::new(Seen::default()));
        let items = items.into_iter().map(|(h, i)| (h.to_string(), (h.to_string(), i)));
        let (mut sum, mut panics) = (0u32, 0usize);
        let start = |(host, i): (String, u32)| {
            // The order of the calls is the scheduler's; the order the tasks first run in is the runtime's.
            seen.lock().unwrap().started.push(i);
            let seen = seen.clone();
            async move {
                {
                    let mut s = seen.lock().unwrap();
                    s.alive += 1;
                    s.most = s.most.max(s.alive);
                    let n = *s.alive_of.entry(host.clone()).and_modify(|n| *n += 1).or_insert(1);
                    let most = s.most_of.entry(host.clone()).or_insert(0);
                    *most = (*most).max(n);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
                {
                    let mut s = seen.lock().unwrap();
                    s.alive -= 1;
                    *s.alive_of.get_mut(&host).unwrap() -= 1;
                }
                assert!(i != 77, "task 77 fails");
                i
            }
        };
        run_fairly(items, bounds, start, |res| match res {
            Ok(i) => sum += i,
            Err(e) => {
                assert!(e.is_panic());
                panics += 1;
            }
        })
        .await;
        let s = seen.lock().unwrap();
        assert_eq!(s.alive, 0);
        (s.started.clone(), s.most, s.most_of.clone(), sum, panics)
    }

    /// However many items a pass has, no more than `at_once` are tasks at a time; every one runs once, and a
    /// task's panic reaches `done` as that task's error.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_so_many_tasks_run_at_once_and_every_one_ends() {
        let hosts = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        let items = (0..200u32).map(|i| (hosts[i as usize % 10], i)).collect();
        let (started, most, _, sum, panics) = run(items, Bounds { at_once: 7, per_host: 100 }).await;
        assert_eq!(most, 7);
        assert_eq!((sum, panics), ((0..200).sum::<u32>() - 77, 1));
        let mut sorted = started.clone();
        sorted.sort();
        assert_eq!(sorted, (0..200).collect::<Vec<_>>());
    }

    /// One host with a long backlog takes at most its share; a host listed after it starts at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_hosts_backlog_does_not_hold_the_others_back() {
        let mut items: Vec<(&str, u32)> = (0..60).map(|i| ("big", i)).collect();
        items.extend([("small", 100), ("small", 101)]);
        let (started, most, most_of, sum, panics) = run(items, Bounds { at_once: 10, per_host: 3 }).await;
        assert_eq!(&started[..5], &[0, 100, 1, 101, 2]);
        assert_eq!((most_of["big"], most_of["small"]), (3, 2));
        assert_eq!(most, 5);
        assert_eq!((sum, panics), ((0..60).sum::<u32>() + 201, 0));
        assert_eq!(started.len(), 62);
    }
}

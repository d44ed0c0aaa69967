//! How a pass runs its feed polls and pages as tasks: a bounded number at a time, one host's queued pages in
//! turn with the others'.

use std::collections::{HashMap, VecDeque};

use tokio::task::JoinSet;

use crate::store;

/// A page a pass has to fetch: a queued job, or the re-check of a stored article.
pub(super) enum PageTask {
    Job(store::JobRecord),
    Recheck(u64),
}

/// How many of a pass's feed polls or pages may be tasks at once, for `concurrency` requests in flight: the
/// rest wait as records. Spawning a whole pass at once made every task start its store read together (a
/// thread of the blocking pool each, up to its cap) and hold its state meanwhile: a re-check pass over 2,000
/// stored articles peaked at 129-145 MB against 122-124 MB with 256 tasks at a time, at the same speed, and
/// the cost grows with the pass (a daemon back after a long stop can find 100,000 pages due). Several times
/// the requests in flight, so that pages of hosts held back by `per_host_concurrency` leave work for the rest.
pub(super) fn tasks_at_once(concurrency: usize) -> usize {
    concurrency.saturating_mul(8).max(64)
}

/// Queued pages one host at a time in turn: the page queue is kept in URL order, one host's pages together,
/// and with at most [`tasks_at_once`] running, a long run of one host's pages would hold the others back.
pub(super) fn hosts_in_turn(jobs: Vec<store::JobRecord>) -> Vec<store::JobRecord> {
    // The scheme-less authority is enough to tell hosts apart; no URL needs parsing here.
    let host =
        |url: &str| url.split("://").nth(1).unwrap_or(url).split(['/', '?', '#']).next().unwrap_or("").to_string();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut queues: Vec<VecDeque<store::JobRecord>> = Vec::new();
    let total = jobs.len();
    for job in jobs {
        let next = queues.len();
        let i = *index.entry(host(&job.url)).or_insert(next);
        if i == next {
            queues.push(VecDeque::new());
        }
        queues[i].push_back(job);
    }
    let mut out = Vec::with_capacity(total);
    while !queues.is_empty() {
        out.extend(queues.iter_mut().filter_map(VecDeque::pop_front));
        queues.retain(|q| !q.is_empty());
    }
    out
}

/// Runs each item's task, at most `at_once` of them at a time, and hands each one's result (or its panic) to
/// `done` as it ends.
pub(super) async fn run_at_most<T, F>(
    tasks: impl IntoIterator<Item = F>,
    at_once: usize,
    mut done: impl FnMut(Result<T, tokio::task::JoinError>),
) where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let mut waiting = tasks.into_iter();
    let mut running = JoinSet::new();
    loop {
        while running.len() < at_once.max(1) {
            let Some(task) = waiting.next() else { break };
            running.spawn(task);
        }
        let Some(res) = running.join_next().await else { return };
        done(res);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_pass_runs_eight_tasks_a_request_in_flight_and_never_fewer_than_64() {
        assert_eq!(tasks_at_once(32), 256);
        assert_eq!(tasks_at_once(1), 64);
        assert_eq!(tasks_at_once(usize::MAX), usize::MAX);
    }

    #[test]
    fn queued_pages_take_their_hosts_in_turn() {
        let job = |url: &str| -> store::JobRecord {
            serde_json::from_value(serde_json::json!({
                "url": url, "feeds": [], "entries": [], "queued_at": "2026-12-07T00:00:00Z"
            }))
            .unwrap()
        };
        let urls = [
            "https://a.example/1",
            "https://a.example/2",
            "https://a.example/3",
            "https://b.example:8080/1",
            "https://c.example?x=1",
            "https://c.example/2",
        ];
        let order: Vec<String> =
            hosts_in_turn(urls.iter().map(|u| job(u)).collect()).into_iter().map(|j| j.url).collect();
        assert_eq!(
            order,
            [
                "https://a.example/1",
                "https://b.example:8080/1",
                "https://c.example?x=1",
                "https://a.example/2",
                "https://c.example/2",
                "https://a.example/3",
            ]
        );
    }

    /// However many items a pass has, no more than `at_once` are tasks at a time; every one runs, and a task's
    /// panic reaches `done` as that task's error.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_so_many_tasks_run_at_once_and_every_one_ends() {
        use std::sync::atomic::AtomicUsize;
        let (alive, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks = (0..200u32).map(|i| {
            let (alive, most) = (alive.clone(), most.clone());
            async move {
                let now = alive.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                alive.fetch_sub(1, Ordering::SeqCst);
                assert!(i != 77, "task 77 fails");
                i
            }
        });
        let (mut sum, mut panics) = (0u32, 0);
        run_at_most(tasks, 7, |res| match res {
            Ok(i) => sum += i,
            Err(e) => {
                assert!(e.is_panic());
                panics += 1;
            }
        })
        .await;
        assert_eq!(most.load(Ordering::SeqCst), 7);
        assert_eq!((sum, panics), ((0..200).sum::<u32>() - 77, 1));
        assert_eq!(alive.load(Ordering::SeqCst), 0);
    }
}

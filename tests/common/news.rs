//! A small fixture news site for the notification tests: article pages with chrome around them (menu,
//! breadcrumb, related list, footer, a view counter that changes on every request) and an RSS feed whose items
//! carry each article's revision, so that an edit is re-fetched at the next `once`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::{Resp, Server};

#[derive(Debug, Clone)]
pub struct Article {
    pub lang: &'static str,
    pub title: String,
    pub paras: Vec<String>,
    /// Bumped by every edit; the feed item's description names it.
    pub revision: u32,
}

/// The site: a server with `/feed.xml` (or any feed path given) and one page per article.
pub struct NewsSite {
    pub server: Server,
    articles: Arc<Mutex<BTreeMap<String, Article>>>,
    /// How long each article page takes to answer (the fixture serves one request at a time).
    delay: Arc<Mutex<std::time::Duration>>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(a: &Article, n: usize) -> String {
    let paras: String = a.paras.iter().map(|p| format!("<p>{}</p>\n", escape(p))).collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Fixture News</title>
<meta property="og:title" content="{title}"></head>
<body>
<nav class="main-menu"><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav>
<main>
<ol class="breadcrumb"><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ol>
<article>
<h1>{title}</h1>
<div class="meta"><span class="views">{views} views</span></div>
<div class="article-body">
{paras}</div>
<div class="related"><h3>Related</h3><ul><li><a href="/r/{n}.html">Story number {n}</a></li></ul></div>
</article>
</main>
<footer class="site-footer">© 2026 Fixture News</footer>
</body></html>
"#,
        lang = a.lang,
        title = escape(&a.title),
        views = 1000 + 17 * n,
    )
}

impl NewsSite {
    /// Starts the site with its feed at `feed_paths` (every one lists every article).
    pub fn start(feed_paths: &[&str]) -> NewsSite {
        let site = NewsSite { server: Server::start(), articles: Default::default(), delay: Default::default() };
        for path in feed_paths {
            let (articles, base) = (site.articles.clone(), site.server.url(""));
            site.server.route_fn(path, move |_, _| {
                let items: String = articles
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|(p, a)| {
                        format!(
                            "<item><title>{}</title><link>{base}{p}</link><guid>{base}{p}</guid><description>revision {}</description></item>\n",
                            escape(&a.title),
                            a.revision
                        )
                    })
                    .collect();
                Resp::new(
                    "application/rss+xml",
                    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Fixture News</title><link>{base}/</link><description>news</description>\n{items}</channel></rss>\n"),
                )
            });
        }
        site
    }

    /// Makes every article page take `d` to answer.
    pub fn slow(&self, d: std::time::Duration) {
        *self.delay.lock().unwrap() = d;
    }

    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    pub fn publish(&self, path: &str, lang: &'static str, title: &str, paras: &[&str]) {
        let article = Article {
            lang,
            title: title.to_string(),
            paras: paras.iter().map(|p| p.to_string()).collect(),
            revision: 1,
        };
        self.articles.lock().unwrap().insert(path.to_string(), article);
        let (articles, key, delay) = (self.articles.clone(), path.to_string(), self.delay.clone());
        self.server.route_fn(path, move |_, n| {
            let d = *delay.lock().unwrap();
            std::thread::sleep(d);
            let a = articles.lock().unwrap().get(&key).cloned().expect("published article");
            Resp::html(page(&a, n))
        });
    }

    /// Edits an article; its feed item changes with it.
    pub fn edit(&self, path: &str, f: impl FnOnce(&mut Article)) {
        let mut articles = self.articles.lock().unwrap();
        let a = articles.get_mut(path).expect("published article");
        f(a);
        a.revision += 1;
    }

    /// Replaces `old` with `new` in the article's text (asserting that it is there).
    pub fn replace(&self, path: &str, old: &str, new: &str) {
        self.edit(path, |a| {
            let p =
                a.paras.iter_mut().find(|p| p.contains(old)).unwrap_or_else(|| panic!("no paragraph holds {old:?}"));
            *p = p.replacen(old, new, 1);
        });
    }
}

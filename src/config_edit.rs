//! Adding `[[feed]]` blocks to the config file without losing a byte of what the user wrote: toml_edit keeps
//! comments, blank lines and key order. Used by `presswatch add` and `presswatch opml import --append`.
//!
//! The new text is validated as a whole config before it is written, and written to a temporary file in the
//! same directory that then replaces the original (with its permissions), so a crash never leaves half a file.

use std::path::Path;

use toml_edit::{value, ArrayOfTables, DocumentMut, Item, Table};

use crate::config::{Config, ConfigError};

/// A `[[feed]]` to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeed {
    pub name: String,
    pub url: String,
    /// `Some("sitemap")` for a sitemap source; feeds need no `kind`.
    pub kind: Option<String>,
    pub category: Option<String>,
}

impl NewFeed {
    fn table(&self) -> Table {
        let mut t = Table::new();
        t["name"] = value(self.name.as_str());
        t["url"] = value(self.url.as_str());
        if let Some(kind) = &self.kind {
            t["kind"] = value(kind.as_str());
        }
        if let Some(c) = &self.category {
            t["category"] = value(c.as_str());
        }
        t.decor_mut().set_prefix("\n");
        t
    }
}

/// The TOML text of `feeds` as `[[feed]]` blocks, ready to paste into a config.
pub fn blocks(feeds: &[NewFeed]) -> String {
    let mut doc = DocumentMut::new();
    let mut aot = ArrayOfTables::new();
    for f in feeds {
        aot.push(f.table());
    }
    doc.insert("feed", Item::ArrayOfTables(aot));
    doc.to_string().trim_start().to_string()
}

/// The config text with `feeds` appended, checked to be a valid configuration.
pub fn appended(text: &str, path: &Path, feeds: &[NewFeed]) -> Result<String, ConfigError> {
    let file = path.display();
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        ConfigError(format!("invalid config file {file}: {}", e.to_string().trim_end()))
    })?;
    let entry = doc.entry("feed").or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    let Some(aot) = entry.as_array_of_tables_mut() else {
        return Err(ConfigError(format!(
            "cannot add to {file}: its `feed` key is not a list of [[feed]] tables; add the feeds by hand"
        )));
    };
    for f in feeds {
        aot.push(f.table());
    }
    let new = doc.to_string();
    Config::parse(&new, path)?;
    Ok(new)
}

/// Appends `feeds` to the config file at `path`, keeping everything it holds.
pub fn append(path: &Path, feeds: &[NewFeed]) -> Result<(), ConfigError> {
    let file = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|e| ConfigError(format!("cannot read config file {file}: {e}")))?;
    let new = appended(&text, path, feeds)?;
    write_replacing(path, &new).map_err(|e| ConfigError(format!("cannot write config file {file}: {e}")))
}

/// Writes `text` to a temporary file beside `path` and renames it over `path` (following a symlink to its target,
/// and keeping the file's permissions).
fn write_replacing(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "config".into());
    let tmp = dir.join(format!(".{name}.presswatch-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(&target) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, &target).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"# presswatch for the newsroom
[store]
path = "/tmp/pw"   # where the store lives

# Vietnamese sources
[[feed]]
name = "baoquocte"        # the main one
url = "https://baoquocte.vn/rss_feed/"

[http]
# listen = "127.0.0.1:9464"
"#;

    fn new(name: &str, url: &str) -> NewFeed {
        NewFeed { name: name.into(), url: url.into(), kind: None, category: None }
    }

    #[test]
    fn appending_keeps_every_comment_and_is_valid() {
        let mut s = new("tin \"mới\"", "https://news.example/sitemap.xml");
        s.kind = Some("sitemap".into());
        s.category = Some("Tin tức".into());
        let out = appended(CONFIG, Path::new("p.toml"), &[new("b", "https://b.example/rss"), s]).unwrap();
        for line in CONFIG.lines() {
            assert!(out.contains(line), "lost {line:?} in:\n{out}");
        }
        let c = Config::parse(&out, Path::new("p.toml")).unwrap();
        let names: Vec<&str> = c.feeds.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["baoquocte", "b", "tin \"mới\""]);
        assert_eq!(c.feeds[2].kind, crate::config::SourceKind::Sitemap);
        assert_eq!(c.feeds[2].category.as_deref(), Some("Tin tức"));
        assert!(out.contains("\n[[feed]]\nname = \"b\"\nurl = \"https://b.example/rss\"\n"), "{out}");
    }

    #[test]
    fn a_duplicate_name_is_refused_and_a_config_without_feeds_gets_its_first() {
        let e = appended(CONFIG, Path::new("p.toml"), &[new("baoquocte", "https://x.example/")]).unwrap_err();
        assert!(e.0.contains("duplicate feed name `baoquocte`"), "{e}");
        let out =
            appended("[store]\npath = \"/tmp/x\"\n", Path::new("p.toml"), &[new("a", "https://a.example/")]).unwrap();
        assert_eq!(out, "[store]\npath = \"/tmp/x\"\n\n[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\n");
        let e = appended("feed = 3\n", Path::new("p.toml"), &[new("a", "https://a.example/")]).unwrap_err();
        assert!(e.0.contains("not a list of [[feed]] tables"), "{e}");
    }

    #[test]
    fn blocks_are_pasteable_toml() {
        let b = blocks(&[new("a", "https://a.example/rss"), new("b", "https://b.example/")]);
        assert_eq!(
            b,
            "[[feed]]\nname = \"a\"\nurl = \"https://a.example/rss\"\n\n[[feed]]\nname = \"b\"\nurl = \"https://b.example/\"\n"
        );
    }
}

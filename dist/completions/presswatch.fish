# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_presswatch_global_optspecs
    string join \n config= log-format= h/help V/version
end

function __fish_presswatch_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_presswatch_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_presswatch_using_subcommand
    set -l cmd (__fish_presswatch_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c presswatch -n "__fish_presswatch_needs_command" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_needs_command" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_needs_command" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_needs_command" -s V -l version -d 'Print version'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "run" -d 'The daemon: poll every feed on its schedule until SIGTERM/SIGINT; SIGHUP reloads the configuration'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "once" -d 'One full pass: poll every feed once, fetch new items, re-check due articles, then exit'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "discover" -d 'List a site\'s feeds and sitemaps: the page\'s alternates, common feed paths, robots.txt sitemaps'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "add" -d 'Add a site\'s best feed (the RSS, Atom or JSON feed with the most items, else a news sitemap) to the config file, keeping its comments. A running daemon reads it on SIGHUP'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "opml" -d 'OPML: export the configured feeds, or import a feed reader\'s subscriptions'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "feeds" -d 'Every configured feed with its state'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "articles" -d 'Stored articles, newest first'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "show" -d 'One article: its metadata and the text of its latest version'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "history" -d 'Every stored version of one article, oldest first'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "diff" -d 'A unified diff of the text of two versions (default: the last two)'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "events" -d 'The durable event log, oldest first'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "recheck" -d 'Re-check one article at the next pass (the daemon\'s next poll, or the next `once`)'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "reextract" -d 'Extract every kept page again with the current extractor and noise rules, rewriting stored versions in place without events (after an upgrade or a change of `drop` / `ignore_lines`)'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "sinks" -d 'Every configured sink with its delivery state: cursor, pending events, last success, last error'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "export" -d 'Every record in the store as JSON lines (a backup; works while the daemon runs)'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "import" -d 'Load an export into an empty store (the configured store path)'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "status" -d 'One screen: is the daemon up, which feeds are due or failing, how many events today'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "demo" -d 'A simulated news site on 127.0.0.1 and the daemon on it with a temporary store: new articles, then edits with their diffs in the web view, within a minute and without internet. Ctrl-C stops it'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "completions" -d 'Shell completions, on stdout (e.g. `presswatch completions bash > /etc/bash_completion.d/presswatch`)'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "man" -d 'The manual page (roff), on stdout (e.g. `presswatch man | man -l -`)'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "extract" -d 'Run the article extractor on local HTML files: no network, no store'
complete -c presswatch -n "__fish_presswatch_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c presswatch -n "__fish_presswatch_using_subcommand run" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand run" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand run" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand once" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand once" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand once" -l feeds-only -d 'Poll the feeds and record their state (`feeds` shows items and errors), but fetch and store no article'
complete -c presswatch -n "__fish_presswatch_using_subcommand once" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand discover" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand discover" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand discover" -l json -d 'One JSON object a line: url, kind, title, items'
complete -c presswatch -n "__fish_presswatch_using_subcommand discover" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand add" -l name -d 'The feed\'s name [default: the URL\'s host]' -r
complete -c presswatch -n "__fish_presswatch_using_subcommand add" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand add" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand add" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and not __fish_seen_subcommand_from export import help" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and not __fish_seen_subcommand_from export import help" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and not __fish_seen_subcommand_from export import help" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and not __fish_seen_subcommand_from export import help" -f -a "export" -d 'Print the configured feeds as OPML 2.0 (with a category per feed where the config has one)'
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and not __fish_seen_subcommand_from export import help" -f -a "import" -d 'Read an OPML 1.0/2.0 file and print its feeds as [[feed]] blocks (or append them to the config)'
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and not __fish_seen_subcommand_from export import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and __fish_seen_subcommand_from export" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and __fish_seen_subcommand_from export" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and __fish_seen_subcommand_from import" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and __fish_seen_subcommand_from import" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and __fish_seen_subcommand_from import" -l append -d 'Append the feeds to the config file instead of printing them (its comments are kept)'
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print the configured feeds as OPML 2.0 (with a category per feed where the config has one)'
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and __fish_seen_subcommand_from help" -f -a "import" -d 'Read an OPML 1.0/2.0 file and print its feeds as [[feed]] blocks (or append them to the config)'
complete -c presswatch -n "__fish_presswatch_using_subcommand opml; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c presswatch -n "__fish_presswatch_using_subcommand feeds" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand feeds" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand feeds" -l json
complete -c presswatch -n "__fish_presswatch_using_subcommand feeds" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand articles" -l feed -d 'Only articles from this feed' -r
complete -c presswatch -n "__fish_presswatch_using_subcommand articles" -l since -d 'Only articles first seen or changed since WHEN (a duration such as 2h, or an RFC 3339 time)' -r
complete -c presswatch -n "__fish_presswatch_using_subcommand articles" -l limit -r
complete -c presswatch -n "__fish_presswatch_using_subcommand articles" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand articles" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand articles" -l edited -d 'Only articles with more than one version'
complete -c presswatch -n "__fish_presswatch_using_subcommand articles" -l json
complete -c presswatch -n "__fish_presswatch_using_subcommand articles" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand show" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand show" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand show" -l json
complete -c presswatch -n "__fish_presswatch_using_subcommand show" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand history" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand history" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand history" -l json
complete -c presswatch -n "__fish_presswatch_using_subcommand history" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand diff" -l from -r
complete -c presswatch -n "__fish_presswatch_using_subcommand diff" -l to -r
complete -c presswatch -n "__fish_presswatch_using_subcommand diff" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand diff" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand diff" -l plain -d 'A plain unified diff, without the [-old-]{+new+} marks inside changed lines'
complete -c presswatch -n "__fish_presswatch_using_subcommand diff" -l summary -d 'The change summary (sentences, numbers, quotes, significance) instead of the diff'
complete -c presswatch -n "__fish_presswatch_using_subcommand diff" -l json -d 'With --summary: one JSON object'
complete -c presswatch -n "__fish_presswatch_using_subcommand diff" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand events" -l since -r
complete -c presswatch -n "__fish_presswatch_using_subcommand events" -l significance -d 'Only edits whose change is at least this significant: typo (every edit), minor or substantive' -r
complete -c presswatch -n "__fish_presswatch_using_subcommand events" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand events" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand events" -l follow -d 'Keep waiting for new events'
complete -c presswatch -n "__fish_presswatch_using_subcommand events" -l json
complete -c presswatch -n "__fish_presswatch_using_subcommand events" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand recheck" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand recheck" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand recheck" -l json
complete -c presswatch -n "__fish_presswatch_using_subcommand recheck" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand reextract" -l feed -d 'Only the articles of this feed' -r
complete -c presswatch -n "__fish_presswatch_using_subcommand reextract" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand reextract" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand reextract" -l json
complete -c presswatch -n "__fish_presswatch_using_subcommand reextract" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand sinks" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand sinks" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand sinks" -l json
complete -c presswatch -n "__fish_presswatch_using_subcommand sinks" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand export" -s o -l output -d 'Write to FILE instead of stdout' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand export" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand export" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand export" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand import" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand import" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand import" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand status" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand status" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand status" -l json
complete -c presswatch -n "__fish_presswatch_using_subcommand status" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand demo" -l listen -d 'The web view\'s address [default: 127.0.0.1:9465, else any free port]' -r
complete -c presswatch -n "__fish_presswatch_using_subcommand demo" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand demo" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand demo" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand completions" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand completions" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand completions" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand man" -l dir -d 'Write presswatch.1 and a presswatch-SUBCOMMAND.1 page for each subcommand into DIR instead' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand man" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand man" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand man" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand extract" -l url -d 'The URL the files were fetched from (resolves relative canonical links)' -r
complete -c presswatch -n "__fish_presswatch_using_subcommand extract" -l feed -d 'Apply this configured feed\'s noise controls (drop, ignore_lines)' -r
complete -c presswatch -n "__fish_presswatch_using_subcommand extract" -l config -d 'The TOML configuration [default: $PRESSWATCH_CONFIG, else /etc/presswatch/presswatch.toml, else config/presswatch.toml]' -r -F
complete -c presswatch -n "__fish_presswatch_using_subcommand extract" -l log-format -d 'Log format [default: json when stdout is not a terminal, pretty when it is]' -r -f -a "json\t''
pretty\t''"
complete -c presswatch -n "__fish_presswatch_using_subcommand extract" -l explain -d 'Also show the element taken as the article, and every element and line dropped, with the rule'
complete -c presswatch -n "__fish_presswatch_using_subcommand extract" -l json
complete -c presswatch -n "__fish_presswatch_using_subcommand extract" -s h -l help -d 'Print help'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "run" -d 'The daemon: poll every feed on its schedule until SIGTERM/SIGINT; SIGHUP reloads the configuration'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "once" -d 'One full pass: poll every feed once, fetch new items, re-check due articles, then exit'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "discover" -d 'List a site\'s feeds and sitemaps: the page\'s alternates, common feed paths, robots.txt sitemaps'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "add" -d 'Add a site\'s best feed (the RSS, Atom or JSON feed with the most items, else a news sitemap) to the config file, keeping its comments. A running daemon reads it on SIGHUP'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "opml" -d 'OPML: export the configured feeds, or import a feed reader\'s subscriptions'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "feeds" -d 'Every configured feed with its state'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "articles" -d 'Stored articles, newest first'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "show" -d 'One article: its metadata and the text of its latest version'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "history" -d 'Every stored version of one article, oldest first'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "diff" -d 'A unified diff of the text of two versions (default: the last two)'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "events" -d 'The durable event log, oldest first'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "recheck" -d 'Re-check one article at the next pass (the daemon\'s next poll, or the next `once`)'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "reextract" -d 'Extract every kept page again with the current extractor and noise rules, rewriting stored versions in place without events (after an upgrade or a change of `drop` / `ignore_lines`)'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "sinks" -d 'Every configured sink with its delivery state: cursor, pending events, last success, last error'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "export" -d 'Every record in the store as JSON lines (a backup; works while the daemon runs)'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "import" -d 'Load an export into an empty store (the configured store path)'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "status" -d 'One screen: is the daemon up, which feeds are due or failing, how many events today'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "demo" -d 'A simulated news site on 127.0.0.1 and the daemon on it with a temporary store: new articles, then edits with their diffs in the web view, within a minute and without internet. Ctrl-C stops it'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "completions" -d 'Shell completions, on stdout (e.g. `presswatch completions bash > /etc/bash_completion.d/presswatch`)'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "man" -d 'The manual page (roff), on stdout (e.g. `presswatch man | man -l -`)'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "extract" -d 'Run the article extractor on local HTML files: no network, no store'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and not __fish_seen_subcommand_from run once discover add opml feeds articles show history diff events recheck reextract sinks export import status demo completions man extract help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and __fish_seen_subcommand_from opml" -f -a "export" -d 'Print the configured feeds as OPML 2.0 (with a category per feed where the config has one)'
complete -c presswatch -n "__fish_presswatch_using_subcommand help; and __fish_seen_subcommand_from opml" -f -a "import" -d 'Read an OPML 1.0/2.0 file and print its feeds as [[feed]] blocks (or append them to the config)'

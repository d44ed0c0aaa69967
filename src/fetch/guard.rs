//! The address guard: which hosts and addresses presswatch may connect to.
//!
//! Feeds and pages are untrusted input and their links can point anywhere, including the machine's own
//! services and the cloud metadata address. Unless `allow_private_networks` is set, we refuse every address
//! that is not public unicast, both for literal IPs in URLs (which bypass DNS) and for every address a name
//! resolves to (checked in the resolver, so the address dialled is the address checked: no DNS rebinding).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

/// What may be reached.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub allow_private_networks: bool,
    /// Host names or literal addresses (lower-case) that are allowed even when private.
    pub allow_hosts: Vec<String>,
}

impl Policy {
    fn host_allowed(&self, host: &str) -> bool {
        self.allow_private_networks || self.allow_hosts.iter().any(|h| h == host)
    }

    /// Checks a URL before any I/O: scheme and, for literal addresses, the address.
    pub fn check_url(&self, url: &Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("scheme {}: is not allowed (only http and https)", url.scheme()));
        }
        let ip = match url.host() {
            None => return Err("the URL has no host".into()),
            Some(Host::Domain(_)) => return Ok(()),
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
        };
        let written = url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_ascii_lowercase();
        if self.host_allowed(&written) {
            return Ok(());
        }
        match forbidden_reason(ip) {
            Some(reason) => {
                Err(format!("address {ip} is {reason}; set allow_private_networks or allow_hosts to reach it"))
            }
            None => Ok(()),
        }
    }
}

/// Why an address must not be dialled, or `None` for a public unicast address.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms are judged as the IPv4 address.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            let seg = v6.segments();
            if seg[..6] == [0, 0, 0, 0, 0, 0] && !(seg[6] == 0 && seg[7] <= 1) {
                return forbidden_v4(Ipv4Addr::new(
                    (seg[6] >> 8) as u8,
                    seg[6] as u8,
                    (seg[7] >> 8) as u8,
                    seg[7] as u8,
                ));
            }
            forbidden_v6(v6)
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    Some(match o {
        [127, ..] => "a loopback address",
        [10, ..] | [172, 16..=31, ..] | [192, 168, ..] => "a private address",
        [169, 254, ..] => "a link-local address (this includes the cloud metadata service)",
        [100, 64..=127, ..] => "a carrier-grade NAT address",
        [0, ..] => "an unspecified address",
        [192, 0, 0, ..] => "an IETF protocol assignment",
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => "a documentation address",
        [198, 18..=19, ..] => "a benchmarking address",
        [224..=239, ..] => "a multicast address",
        [255, 255, 255, 255] => "the broadcast address",
        [240..=255, ..] => "a reserved address",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let seg = ip.segments();
    Some(if ip.is_loopback() {
        "a loopback address"
    } else if ip.is_unspecified() {
        "an unspecified address"
    } else if seg[0] & 0xfe00 == 0xfc00 {
        "a private (unique local) address"
    } else if seg[0] & 0xffc0 == 0xfe80 {
        "a link-local address"
    } else if seg[0] & 0xff00 == 0xff00 {
        "a multicast address"
    } else if seg[0] == 0x2001 && seg[1] == 0x0db8 {
        "a documentation address"
    } else if seg[0] == 0x0064 && seg[1] == 0xff9b {
        "a NAT64 address"
    } else {
        return None;
    })
}

/// A DNS resolver that drops forbidden addresses, so reqwest connects only to addresses that passed the check.
pub struct GuardedResolver {
    pub policy: Arc<Policy>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if policy.host_allowed(&host) {
                return Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs);
            }
            let mut refused = None;
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| match forbidden_reason(a.ip()) {
                    Some(reason) => {
                        refused = Some(format!("{host} resolves to {} which is {reason}", a.ip()));
                        false
                    }
                    None => true,
                })
                .collect();
            if allowed.is_empty() {
                let msg = refused.unwrap_or_else(|| format!("{host} has no address"));
                return Err(format!("refused: {msg}; set allow_private_networks or allow_hosts to reach it").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str) -> Result<(), String> {
        Policy::default().check_url(&Url::parse(url).unwrap())
    }

    #[test]
    fn refuses_private_and_special_addresses_in_every_spelling() {
        for url in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://10.1.2.3/",
            "http://172.20.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://198.18.0.1/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://[::1]/",
            "http://[::]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[::127.0.0.1]/",
            "http://[fc00::1]/",
            "http://[fe80::1]/",
        ] {
            assert!(check(url).is_err(), "{url} should be refused");
        }
    }

    #[test]
    fn allows_public_addresses_and_names() {
        for url in ["http://93.184.215.14/", "https://example.org/x", "http://[2606:4700::1111]/"] {
            assert_eq!(check(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn refuses_other_schemes_and_honours_the_allow_list() {
        assert!(check("file:///etc/passwd").unwrap_err().contains("file"));
        assert!(check("gopher://example.org/").is_err());
        let p = Policy { allow_private_networks: false, allow_hosts: vec!["127.0.0.1".into()] };
        assert_eq!(p.check_url(&Url::parse("http://127.0.0.1:8080/").unwrap()), Ok(()));
        assert!(p.check_url(&Url::parse("http://127.0.0.2/").unwrap()).is_err());
        let open = Policy { allow_private_networks: true, allow_hosts: vec![] };
        assert_eq!(open.check_url(&Url::parse("http://10.0.0.1/").unwrap()), Ok(()));
    }
}

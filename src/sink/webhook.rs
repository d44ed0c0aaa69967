//! Webhook sink: a POST of the event JSON, signed with HMAC-SHA256, through the crawler's address guard.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;
use crate::event::Event;
use crate::fetch::guard::{GuardedResolver, Policy};

/// `sha256=<hex>`: the HMAC-SHA256 of the body under the sink's key, as `X-Presswatch-Signature` carries it.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub struct Webhook {
    client: reqwest::Client,
    policy: Arc<Policy>,
    url: url::Url,
    secret: Secret,
}

impl Webhook {
    pub fn new(url: url::Url, secret: Secret, allow_hosts: Vec<String>, timeout: Duration) -> anyhow::Result<Webhook> {
        // Private addresses are refused as for feeds (a config typo must not reach the metadata service);
        // `allow_hosts` lets an internal receiver through.
        let policy = Arc::new(Policy { allow_private_networks: false, allow_hosts });
        let client = reqwest::Client::builder()
            .user_agent(crate::config::DEFAULT_USER_AGENT)
            .no_proxy()
            // A redirect is not a delivery: the receiver answers itself or the attempt failed.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .dns_resolver(Arc::new(GuardedResolver { policy: policy.clone() }))
            .build()?;
        Ok(Webhook { client, policy, url, secret })
    }

    pub async fn deliver(&self, event: &Event, body: &[u8]) -> Result<(), String> {
        self.policy.check_url(&self.url).map_err(|reason| for_sink(format!("refused {}: {reason}", self.url)))?;
        let resp = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Presswatch-Event-Id", event.id())
            .header("X-Presswatch-Event", &event.view.event)
            .header("X-Presswatch-Signature", signature(&self.secret.0, body))
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    format!("timed out posting to {}", self.url)
                } else {
                    for_sink(format!("cannot post to {}: {}", self.url, crate::fetch::error_chain(&e)))
                }
            })?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {} from {}", status.as_u16(), self.url))
        }
    }
}

/// The guard's advice names the crawler's keys; a sink has only its own `allow_hosts`.
fn for_sink(message: String) -> String {
    message.replace("set allow_private_networks or allow_hosts to reach it", "add the host to this sink's allow_hosts")
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_is_the_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            super::signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}

//! NATS JetStream sink: each event is published to `<subject>.<event>` with `Nats-Msg-Id` = the event id, so
//! that JetStream's duplicate window drops the second copy of an event sent again after a crash. Delivery is
//! the publish acknowledgement: the cursor moves only once the stream has stored the message.

use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage as Publish};

use crate::event::Event;

/// How long JetStream remembers message ids, when presswatch creates the stream: long enough for a restart.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(15 * 60);

pub struct Nats {
    url: String,
    subject: String,
    stream: String,
    timeout: Duration,
    /// Connected lazily and kept; dropped after an error so that the next attempt starts afresh.
    context: Option<jetstream::Context>,
}

impl Nats {
    pub fn new(url: String, subject: String, stream: String, timeout: Duration) -> Nats {
        Nats { url, subject, stream, timeout, context: None }
    }

    async fn connect(&self) -> Result<jetstream::Context, String> {
        let client = async_nats::ConnectOptions::new()
            .name("presswatch")
            .connection_timeout(self.timeout)
            .request_timeout(Some(self.timeout))
            .connect(self.url.as_str())
            .await
            .map_err(|e| format!("cannot connect to NATS at {}: {e}", self.url))?;
        let js = jetstream::new(client);
        let config = jetstream::stream::Config {
            name: self.stream.clone(),
            subjects: vec![format!("{}.>", self.subject)],
            duplicate_window: DUPLICATE_WINDOW,
            ..Default::default()
        };
        js.get_or_create_stream(config)
            .await
            .map_err(|e| format!("cannot find or create the JetStream stream {} at {}: {e}", self.stream, self.url))?;
        Ok(js)
    }

    pub async fn deliver(&mut self, event: &Event, body: &[u8]) -> Result<(), String> {
        let result = tokio::time::timeout(self.timeout, self.publish(event, body)).await;
        let result = result
            .unwrap_or_else(|_| Err(format!("no acknowledgement from NATS at {} within {:?}", self.url, self.timeout)));
        if result.is_err() {
            self.context = None;
        }
        result
    }

    async fn publish(&mut self, event: &Event, body: &[u8]) -> Result<(), String> {
        if self.context.is_none() {
            self.context = Some(self.connect().await?);
        }
        let js = self.context.as_ref().expect("connected");
        let subject = format!("{}.{}", self.subject, event.view.event);
        let message = Publish::build()
            .payload(body.to_vec().into())
            .message_id(event.id())
            .header("X-Presswatch-Event", event.view.event.as_str());
        let ack = js
            .send_publish(subject.clone(), message)
            .await
            .map_err(|e| format!("cannot publish to {subject} at {}: {e}", self.url))?;
        ack.await.map_err(|e| format!("JetStream did not store the message on {subject}: {e}"))?;
        Ok(())
    }
}

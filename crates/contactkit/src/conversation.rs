//! Conversation history: the conversations of a contact per channel, and their messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Origin;
use crate::contact::{ContactId, Source};

/// A messaging channel that creates and touches contacts automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// WhatsApp (the sender is a phone number).
    Whatsapp,
    /// Telegram (the sender is a user id, maybe with a username and a phone).
    Telegram,
    /// The web widget and web forms (the sender is a visitor id).
    WebWidget,
}

impl Channel {
    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Whatsapp => "whatsapp",
            Channel::Telegram => "telegram",
            Channel::WebWidget => "web_widget",
        }
    }

    /// The origin of changes that arrive through this channel.
    pub fn origin(self) -> Origin {
        match self {
            Channel::Whatsapp => Origin::Whatsapp,
            Channel::Telegram => Origin::Telegram,
            Channel::WebWidget => Origin::WebWidget,
        }
    }

    /// The source of a contact this channel creates.
    pub fn source(self) -> Source {
        match self {
            Channel::Whatsapp => Source::Whatsapp,
            Channel::Telegram => Source::Telegram,
            Channel::WebWidget => Source::WebWidget,
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "whatsapp" => Ok(Channel::Whatsapp),
            "telegram" => Ok(Channel::Telegram),
            "web_widget" => Ok(Channel::WebWidget),
            _ => Err(crate::Error::invalid(
                crate::Field::Channel,
                s,
                "expected one of whatsapp, telegram, web_widget",
            )),
        }
    }
}

/// The id of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConversationId(pub i64);

/// The id of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub i64);

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the contact to us.
    Inbound,
    /// From us (an agent or the AI) to the contact.
    Outbound,
}

impl Direction {
    /// The snake_case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// One conversation of a contact on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// The contact.
    pub contact_id: ContactId,
    /// The channel.
    pub channel: Channel,
    /// When its first message was.
    pub started_at: DateTime<Utc>,
    /// When its latest message was.
    pub last_message_at: DateTime<Utc>,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Which way it went.
    pub direction: Direction,
    /// The text.
    pub text: String,
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// The web form it came from, for a form submission.
    pub form_name: Option<String>,
}

/// A page of messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    /// The messages, newest first.
    pub messages: Vec<Message>,
    /// Pass as `before` to get the next (older) page; `None` when there is none.
    pub next_before: Option<MessageId>,
}

/// How a contact is known on a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelIdentity {
    /// The channel.
    pub channel: Channel,
    /// The sender's id there (a WhatsApp number, a Telegram user id, a visitor id).
    pub external_id: String,
    /// A username (Telegram).
    pub username: Option<String>,
    /// The profile name the channel reported last.
    pub display_name: Option<String>,
    /// When first seen.
    pub first_seen: DateTime<Utc>,
    /// When last seen.
    pub last_seen: DateTime<Utc>,
}

impl crate::Book {
    /// A contact's conversations, most recent first.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`].
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Book, Channel, InboundMessage, Sender};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let out = book.record_inbound(InboundMessage::new(Channel::Telegram, Sender::new("7781").username("ana_s"), "hi"))?;
    /// let conversations = book.conversations(out.contact.id)?;
    /// assert_eq!(conversations[0].channel, Channel::Telegram);
    /// let page = book.messages(conversations[0].id, None, 20)?;
    /// assert_eq!(page.messages[0].text, "hi");
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn conversations(&self, id: ContactId) -> crate::Result<Vec<Conversation>> {
        self.read_store(|r| {
            r.contact(id)?.ok_or(crate::Error::NotFound(id))?;
            r.conversations(id)
        })
    }

    /// A page of a conversation's messages, newest first: pass the page's `next_before` to
    /// get the next, older page.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] for an unknown conversation.
    pub fn messages(
        &self,
        conversation: ConversationId,
        before: Option<MessageId>,
        limit: u32,
    ) -> crate::Result<MessagePage> {
        let limit = limit.clamp(1, crate::query::MAX_LIMIT);
        self.read_store(|r| {
            if r.conversation(conversation)?.is_none() {
                return Err(crate::Error::invalid(
                    crate::Field::Channel,
                    conversation.0.to_string(),
                    "no such conversation",
                ));
            }
            let messages = r.messages(conversation, before, limit)?;
            let next_before = (messages.len() as u32 == limit)
                .then(|| messages.last().map(|m| m.id))
                .flatten();
            Ok(MessagePage {
                messages,
                next_before,
            })
        })
    }

    /// How a contact is known on the channels.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`].
    pub fn channel_identities(&self, id: ContactId) -> crate::Result<Vec<ChannelIdentity>> {
        self.read_store(|r| {
            r.contact(id)?.ok_or(crate::Error::NotFound(id))?;
            r.channel_identities(id)
        })
    }

    /// Records a message sent to a contact (by an agent or the AI) in its conversation on
    /// `channel`. It does not move `last_activity_at`, which is the contact's own activity.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`].
    pub fn record_outbound(
        &self,
        actor: &crate::Actor,
        id: ContactId,
        channel: Channel,
        text: &str,
        at: Option<DateTime<Utc>>,
    ) -> crate::Result<MessageId> {
        let at = crate::book::at_millis(at.unwrap_or_else(crate::book::now));
        self.write_store(|w| {
            w.contact(id)?.ok_or(crate::Error::NotFound(id))?;
            let conversation = w.touch_conversation(id, channel, at)?;
            let message = w.append_message(conversation, Direction::Outbound, text, at, None)?;
            let mut event = crate::feed::EventDraft::new(
                actor,
                crate::book::now(),
                crate::feed::EventKind::MessageAppended,
                Some(id),
                serde_json::json!({ "conversation_id": conversation, "message_id": message, "direction": "outbound" }),
            );
            event.meaningful = false;
            w.append_event(&event)?;
            Ok(message)
        })
    }
}

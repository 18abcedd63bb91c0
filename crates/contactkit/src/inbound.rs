//! Automatic creation: the messages, web forms and API calls that create a contact the first
//! time someone shows up, and find the same contact every time after.
//!
//! Matching order for a message: the sender's identity on the channel, then any of the
//! contact's phones (with the Brazilian ninth-digit twin, see
//! [`crate::brazilian_mobile_twin`]), then any of its emails. Nothing else is merged by guess.
//! The whole call is one write transaction, so two first messages from one new sender at the
//! same moment (two threads, or two processes on one file) make one contact, not two.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::actor::Actor;
use crate::book::{Book, at_millis, idempotent, now};
use crate::contact::{Contact, ContactId, ContactPatch, NewContact, PointInput};
use crate::conversation::{Channel, ConversationId, Direction, MessageId};
use crate::email::Email;
use crate::error::{Error, Field, Result};
use crate::feed::{EventDraft, EventKind};
use crate::phone::{Phone, brazilian_mobile_twin};
use crate::store::{PointKind, Writer};

/// Who sent a message, as the channel reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sender {
    /// The sender's id on the channel: the WhatsApp number (`5511912345678` or `+55…`), the
    /// Telegram user id, the widget's visitor id.
    pub id: String,
    /// A phone number the channel knows (WhatsApp: the id itself when left out).
    #[serde(default)]
    pub phone: Option<String>,
    /// An email the channel knows (the widget's pre-chat form).
    #[serde(default)]
    pub email: Option<String>,
    /// The profile name.
    #[serde(default)]
    pub name: Option<String>,
    /// A username (Telegram).
    #[serde(default)]
    pub username: Option<String>,
}

/// An inbound message from a channel.
///
/// # Examples
/// ```
/// use contactkit::{Book, Channel, InboundMessage, Sender};
/// let book = Book::open_in_memory(Default::default())?;
/// let first = book.record_inbound(InboundMessage::new(Channel::Whatsapp, Sender::new("5511912345678").name("Ana"), "Oi! Is the flat still free?"))?;
/// assert!(first.created);
/// assert_eq!(first.contact.phone(), Some("+5511912345678"));
/// let again = book.record_inbound(InboundMessage::new(Channel::Whatsapp, Sender::new("+55 11 91234-5678"), "Can I visit?"))?;
/// assert_eq!((again.created, again.contact.id), (false, first.contact.id));
/// # Ok::<(), contactkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundMessage {
    /// The channel.
    pub channel: Channel,
    /// Who sent it.
    pub sender: Sender,
    /// The message text.
    pub text: String,
    /// When it was sent (default: now).
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// A retry of a call with the same key returns the first call's outcome and changes nothing.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

impl Sender {
    /// A sender known by its channel id only.
    pub fn new(id: impl Into<String>) -> Self {
        Sender {
            id: id.into(),
            ..Sender::default()
        }
    }
    /// Sets the profile name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// Sets a phone number.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
    /// Sets an email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
    /// Sets a username.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }
}

impl InboundMessage {
    /// A message sent now.
    pub fn new(channel: Channel, sender: Sender, text: impl Into<String>) -> Self {
        InboundMessage {
            channel,
            sender,
            text: text.into(),
            at: None,
            idempotency_key: None,
        }
    }
    /// Sets when it was sent.
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.at = Some(at);
        self
    }
    /// Sets an idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// A web form submission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebForm {
    /// The form's name (`contact-us`, `book-a-visit`).
    pub form_name: String,
    /// The widget's visitor id, if the form knows it.
    #[serde(default)]
    pub visitor_id: Option<String>,
    /// The name typed.
    #[serde(default)]
    pub name: Option<String>,
    /// The email typed.
    #[serde(default)]
    pub email: Option<String>,
    /// The phone typed.
    #[serde(default)]
    pub phone: Option<String>,
    /// The message typed.
    #[serde(default)]
    pub message: Option<String>,
    /// When it was submitted (default: now).
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// See [`InboundMessage::idempotency_key`].
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// What recording a message or form did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundOutcome {
    /// The contact, as it is after the call.
    pub contact: Contact,
    /// Whether the call created it.
    pub created: bool,
    /// The conversation the message went into.
    pub conversation_id: ConversationId,
    /// The message.
    pub message_id: MessageId,
}

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsertOutcome {
    /// The contact, as it is after the call.
    pub contact: Contact,
    /// Whether the call created it.
    pub created: bool,
}

/// One inbound touch, whatever door it came through.
struct Touch<'a> {
    channel: Channel,
    identity: Option<&'a str>,
    name: Option<&'a str>,
    username: Option<&'a str>,
    /// The sender's number when it validates (stored on the contact).
    phone: Option<Phone>,
    phone_text: Option<String>,
    /// Keys to match the sender by: the valid number, and the Brazilian ninth-digit twin of
    /// the number as reported (which may be the old, no longer valid form).
    phone_keys: Vec<String>,
    email: Option<Email>,
    text: &'a str,
    form_name: Option<&'a str>,
    at: DateTime<Utc>,
}

/// A WhatsApp id is an international number without the `+`.
fn phone_text(channel: Channel, sender: &Sender) -> Option<String> {
    let text = sender
        .phone
        .clone()
        .or_else(|| (channel == Channel::Whatsapp).then(|| sender.id.clone()))?;
    let trimmed = text.trim();
    if channel == Channel::Whatsapp && trimmed.len() >= 8 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!("+{trimmed}"))
    } else {
        Some(trimmed.to_owned())
    }
}

/// The E.164 keys to match a reported number by.
fn phone_keys(phone: Option<&Phone>, text: Option<&str>) -> Vec<String> {
    let mut keys = Vec::new();
    let reported = text.map(|t| format!("+{}", crate::phone::phone_digits(t)));
    for key in phone.map(|p| p.as_str().to_owned()).into_iter().chain(reported) {
        if let Some(twin) = brazilian_mobile_twin(&key) {
            keys.push(key);
            keys.push(twin);
        } else {
            keys.push(key);
        }
    }
    keys.dedup();
    keys
}

impl Book {
    /// Records an inbound message: finds the sender's contact (or creates it, with the
    /// channel as its source and `reviewed` false), appends the message to its conversation
    /// on that channel and moves `last_activity_at`. Profile data from the channel only fills
    /// or refreshes what the provenance rule allows ([`crate::may_overwrite`]); a new phone or
    /// email of a known contact is kept as an additional one.
    ///
    /// A phone or email the channel reports that does not validate is not used for matching
    /// and not stored on the contact; the message itself is always stored.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty sender id or a too long name.
    pub fn record_inbound(&self, message: InboundMessage) -> Result<InboundOutcome> {
        let id = message.sender.id.trim();
        if id.is_empty() {
            return Err(Error::invalid(
                Field::Channel,
                &message.sender.id,
                "the sender's id on the channel is empty",
            ));
        }
        let phone_text = phone_text(message.channel, &message.sender);
        let phone = phone_text
            .as_deref()
            .and_then(|p| Phone::parse(p, self.options().default_region).ok());
        // A reported number that starts with + may be the old Brazilian form: keep it for matching.
        let reported = phone_text.as_deref().filter(|p| p.starts_with('+'));
        let touch = Touch {
            channel: message.channel,
            identity: Some(id),
            name: message.sender.name.as_deref(),
            username: message.sender.username.as_deref(),
            phone_keys: phone_keys(phone.as_ref(), reported),
            phone,
            phone_text,
            email: message.sender.email.as_deref().and_then(|e| Email::parse(e).ok()),
            text: &message.text,
            form_name: None,
            at: at_millis(message.at.unwrap_or_else(now)),
        };
        self.write_store(|w| {
            idempotent(
                w,
                message.idempotency_key.as_deref(),
                "inbound",
                now(),
                |o: &InboundOutcome| Some(o.contact.id),
                |w| self.touch_in(w, &touch),
            )
        })
    }

    /// Records a web form submission like a message on the web widget: matched by visitor
    /// id, phone, then email; the form's message (or an empty one) goes into the history.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the form has neither a visitor id nor a valid phone or email
    /// (there would be no way to find the person again), or when a given email or phone
    /// does not validate (a person typed it: they get told).
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Book, WebForm, Source};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let form = WebForm { form_name: "book-a-visit".into(), name: Some("Bo".into()), email: Some("bo@example.com".into()), ..WebForm::default() };
    /// let outcome = book.submit_web_form(form)?;
    /// assert_eq!((outcome.created, outcome.contact.source), (true, Source::WebWidget));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn submit_web_form(&self, form: WebForm) -> Result<InboundOutcome> {
        let email = form
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(Email::parse)
            .transpose()?;
        let phone_text = form
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned);
        let phone = phone_text
            .as_deref()
            .map(|p| Phone::parse(p, self.options().default_region))
            .transpose()?;
        let visitor = form
            .visitor_id
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if visitor.is_none() && email.is_none() && phone.is_none() {
            return Err(Error::invalid(
                Field::Email,
                "",
                "a web form needs a visitor id, an email or a phone",
            ));
        }
        let touch = Touch {
            channel: Channel::WebWidget,
            identity: visitor,
            name: form.name.as_deref(),
            username: None,
            phone_keys: phone_keys(phone.as_ref(), None),
            phone,
            phone_text,
            email,
            text: form.message.as_deref().unwrap_or_default(),
            form_name: Some(&form.form_name),
            at: at_millis(form.at.unwrap_or_else(now)),
        };
        self.write_store(|w| {
            idempotent(
                w,
                form.idempotency_key.as_deref(),
                "web_form",
                now(),
                |o: &InboundOutcome| Some(o.contact.id),
                |w| self.touch_in(w, &touch),
            )
        })
    }

    /// Creates the contact, or updates the one that holds any of its emails or phones: the
    /// fields given overwrite (the API writes on purpose), tags and points are added.
    ///
    /// # Errors
    /// As [`Book::create`]; [`Error::Duplicate`] when the given points belong to two
    /// different contacts.
    ///
    /// # Examples
    /// ```
    /// use contactkit::{Actor, Book, NewContact};
    /// let book = Book::open_in_memory(Default::default())?;
    /// let api = Actor::api("crm");
    /// let a = book.upsert(&api, NewContact::new("Ana").email("ana@x.com"), None)?;
    /// let b = book.upsert(&api, NewContact::new("Ana Souza").email("ANA@x.com").tag("Lead"), None)?;
    /// assert_eq!((a.created, b.created, b.contact.id), (true, false, a.contact.id));
    /// assert_eq!((b.contact.name.as_str(), b.contact.tags.clone()), ("Ana Souza", vec!["Lead".to_owned()]));
    /// # Ok::<(), contactkit::Error>(())
    /// ```
    pub fn upsert(&self, actor: &Actor, new: NewContact, key: Option<&str>) -> Result<UpsertOutcome> {
        let mut keys = Vec::new();
        for email in new
            .email
            .iter()
            .chain(new.additional_emails.iter().map(|p| &p.value))
        {
            keys.push((PointKind::Email, Email::parse(email)?.key()));
        }
        for phone in new
            .phone
            .iter()
            .chain(new.additional_phones.iter().map(|p| &p.value))
        {
            keys.push((
                PointKind::Phone,
                Phone::parse(phone, self.options().default_region)?
                    .as_str()
                    .to_owned(),
            ));
        }
        self.write_store(|w| {
            idempotent(
                w,
                key,
                "upsert",
                now(),
                |o: &UpsertOutcome| Some(o.contact.id),
                |w| {
                    let mut owner: Option<(ContactId, &str)> = None;
                    for (kind, key) in &keys {
                        if let Some(found) = w.point_owner(*kind, key)? {
                            match owner {
                                Some((other, _)) if other != found => {
                                    return Err(Error::Duplicate {
                                        field: if *kind == PointKind::Email {
                                            Field::Email
                                        } else {
                                            Field::Phone
                                        },
                                        value: key.clone(),
                                        existing: found,
                                    });
                                }
                                _ => owner = Some((found, key)),
                            }
                        }
                    }
                    let Some((id, _)) = owner else {
                        let contact = self.create_in(w, actor, new.clone())?;
                        return Ok(UpsertOutcome {
                            contact,
                            created: true,
                        });
                    };
                    let before = w.contact(id)?.ok_or(Error::NotFound(id))?;
                    let mut patch = ContactPatch::new().name(new.name.clone());
                    patch.source = new.source;
                    patch.verification = new.verification;
                    patch.set_attributes = new.attributes.clone();
                    patch.last_activity_at = new
                        .last_activity_at
                        .filter(|at| before.last_activity_at.is_none_or(|b| b < *at));
                    let mut contact = self.update_in(w, actor, id, &patch)?;
                    for email in new
                        .email
                        .iter()
                        .map(PointInput::new)
                        .chain(new.additional_emails.iter().cloned())
                    {
                        contact = self.add_point_in(w, actor, id, PointKind::Email, &email)?;
                    }
                    for phone in new
                        .phone
                        .iter()
                        .map(PointInput::new)
                        .chain(new.additional_phones.iter().cloned())
                    {
                        contact = self.add_point_in(w, actor, id, PointKind::Phone, &phone)?;
                    }
                    if !new.tags.is_empty() {
                        contact = self.add_tags_in(w, actor, id, &new.tags)?;
                    }
                    Ok(UpsertOutcome {
                        contact,
                        created: false,
                    })
                },
            )
        })
    }

    fn find_in(&self, w: &mut dyn Writer, touch: &Touch<'_>) -> Result<Option<ContactId>> {
        if let Some(identity) = touch.identity
            && let Some(id) = w.channel_identity_owner(touch.channel, identity)?
        {
            return Ok(Some(id));
        }
        for key in &touch.phone_keys {
            if let Some(id) = w.point_owner(PointKind::Phone, key)? {
                return Ok(Some(id));
            }
        }
        if let Some(email) = &touch.email
            && let Some(id) = w.point_owner(PointKind::Email, &email.key())?
        {
            return Ok(Some(id));
        }
        Ok(None)
    }

    fn touch_in(&self, w: &mut dyn Writer, touch: &Touch<'_>) -> Result<InboundOutcome> {
        let actor = Actor::system(touch.channel.as_str(), touch.channel.origin());
        let (contact, created) = match self.find_in(w, touch)? {
            None => {
                let name = touch
                    .name
                    .filter(|n| !n.trim().is_empty())
                    .or(touch.username)
                    .map(str::to_owned)
                    .or_else(|| touch.phone.as_ref().map(|p| p.as_str().to_owned()))
                    .or_else(|| touch.email.as_ref().map(|e| e.as_str().to_owned()))
                    .unwrap_or_else(|| format!("Visitor {}", touch.identity.unwrap_or_default()));
                let mut new = NewContact::new(name)
                    .source(touch.channel.source())
                    .last_activity_at(touch.at);
                new.email = touch.email.as_ref().map(|e| e.as_str().to_owned());
                new.phone = touch.phone.as_ref().and(touch.phone_text.clone());
                let contact = self.create_in(w, &actor, new)?;
                w.set_reviewed(contact.id, false)?;
                (w.contact(contact.id)?.ok_or(Error::NotFound(contact.id))?, true)
            }
            Some(id) => {
                let before = w.contact(id)?.ok_or(Error::NotFound(id))?;
                let mut patch = ContactPatch::new();
                patch.name = touch.name.filter(|n| !n.trim().is_empty()).map(str::to_owned);
                patch.last_activity_at =
                    Some(touch.at).filter(|at| before.last_activity_at.is_none_or(|b| b < *at));
                let mut contact = self.update_in(w, &actor, id, &patch)?;
                // A new email or number of a known person is one more point, never a
                // replacement: people have several, and the primary is someone's choice.
                if let Some(email) = &touch.email {
                    contact =
                        self.add_point_in(w, &actor, id, PointKind::Email, &PointInput::new(email.as_str()))?;
                }
                if let (Some(_), Some(text)) = (&touch.phone, &touch.phone_text) {
                    let label = (touch.channel == Channel::Whatsapp).then_some("whatsapp");
                    let input = PointInput {
                        value: text.clone(),
                        label: label.map(str::to_owned),
                    };
                    contact = self.add_point_in(w, &actor, id, PointKind::Phone, &input)?;
                }
                (contact, false)
            }
        };
        if let Some(identity) = touch.identity {
            w.upsert_channel_identity(
                contact.id,
                touch.channel,
                identity,
                touch.username,
                touch.name,
                touch.at,
            )?;
        }
        let conversation_id = w.touch_conversation(contact.id, touch.channel, touch.at)?;
        let message_id = w.append_message(
            conversation_id,
            Direction::Inbound,
            touch.text,
            touch.at,
            touch.form_name,
        )?;
        let mut event = EventDraft::new(
            &actor,
            now(),
            EventKind::MessageAppended,
            Some(contact.id),
            json!({ "conversation_id": conversation_id, "message_id": message_id, "direction": "inbound" }),
        );
        event.meaningful = false;
        w.append_event(&event)?;
        Ok(InboundOutcome {
            contact,
            created,
            conversation_id,
            message_id,
        })
    }
}

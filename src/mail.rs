//! Mail: rendering the subscription mails and sending them over SMTP (lettre), or logging them
//! when no `SMTP_URL` is set (development). Tokens are made when a mail is rendered and are
//! never logged.

use lettre::{
    message::{header::ContentType, Body, Mailbox},
    transport::smtp::authentication::Credentials,
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

/// The SMTP transport for an `smtp://[user:password@]host[:port]` URL (plain SMTP, as to a
/// local relay; port 25 by default).
pub fn smtp_transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let u = url::Url::parse(url)
        .map_err(|_| "must be a URL such as smtp://127.0.0.1:2525".to_owned())?;
    if u.scheme() != "smtp" {
        return Err("must start with smtp:// (send through a local relay for TLS)".into());
    }
    let host = u
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| "must name a host".to_owned())?;
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(u.port().unwrap_or(25))
        .timeout(Some(std::time::Duration::from_secs(15)));
    if !u.username().is_empty() {
        b = b.credentials(Credentials::new(
            u.username().to_owned(),
            u.password().unwrap_or_default().to_owned(),
        ));
    }
    Ok(b.build())
}

/// A mail ready to send.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// The one-click unsubscribe URL (RFC 8058), for mails sent after confirmation.
    pub unsubscribe_url: Option<String>,
}

/// Where mails go.
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    /// Development: mails are logged (without their links, which carry tokens).
    Log,
}

impl Mailer {
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Self, String> {
        match smtp_url {
            None => Ok(Self::Log),
            Some(url) => Ok(Self::Smtp {
                transport: smtp_transport(url)?,
                from: from
                    .parse()
                    .map_err(|_| format!("`{from}` is not a mailbox"))?,
            }),
        }
    }

    pub async fn send(&self, mail: &Mail) -> Result<(), String> {
        match self {
            Self::Log => {
                tracing::info!(
                    to = %mail.to,
                    subject = %mail.subject,
                    "mail (SMTP_URL is unset, so it is only logged; its links are not shown)"
                );
                Ok(())
            }
            Self::Smtp { transport, from } => {
                let to: Mailbox = mail
                    .to
                    .parse()
                    .map_err(|_| "the recipient is not a valid mailbox".to_owned())?;
                let mut builder = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(mail.subject.clone())
                    .header(ContentType::TEXT_PLAIN);
                if let Some(url) = &mail.unsubscribe_url {
                    builder = builder
                        .header(ListUnsubscribe(format!("<{url}>")))
                        .header(ListUnsubscribePost);
                }
                // Quoted-printable: links are longer than a mail line may be.
                let body = Body::new_with_encoding(
                    mail.body.clone(),
                    lettre::message::header::ContentTransferEncoding::QuotedPrintable,
                )
                .map_err(|_| "the body cannot be encoded".to_owned())?;
                let message = builder.body(body).map_err(|e| e.to_string())?;
                transport
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// `List-Unsubscribe: <url>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl lettre::message::header::Header for ListUnsubscribePost {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

//! Outgoing e-mail through lettre: over SMTP when `SHOPWAVE_SMTP_URL` is set
//! (e.g. `smtps://user:pass@smtp.example.com` or `smtp://localhost:25`), otherwise written as
//! `.eml` files into `DATA_DIR/mail/`, so a demo or a test can read what would have been sent.
//!
//! A message names the shop's pages with [`shop_link`], and the mailer, which knows the shop's
//! public origin, writes each such link in full as it sends. Most mail is written inside the
//! transaction of the change it tells about (`notices`), where the shop's address is not known,
//! and none of it may take the address from a request's `Host`.

use std::path::{Path, PathBuf};

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{FileTransport, Message, SmtpTransport, Transport};

/// Where mail comes from; `SHOPWAVE_MAIL_FROM` overrides it.
const DEFAULT_FROM: &str = "ShopWave <orders@shopwave.localhost>";

/// Stands for the shop's public origin in a message until the mailer sends it. Text a shopper
/// wrote that happens to contain it becomes the shop's own address: nothing a stranger can aim.
const SHOP_ORIGIN: &str = "{shop}";

/// A link to the shop's page at `path` (such as `/orders/SW-1`), for a message's body.
pub fn shop_link(path: &str) -> String {
    format!("{SHOP_ORIGIN}{path}")
}

/// A plain-text message for one recipient.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

pub enum Transporter {
    Smtp(Box<SmtpTransport>),
    Files(PathBuf),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transporter,
    /// The shop's public origin, without a trailing slash, that `shop_link`s are written with.
    public_url: String,
}

impl Mailer {
    /// SMTP when configured in the environment, else files in `data_dir/mail`; links to the shop
    /// start with `public_url`.
    pub fn from_env(data_dir: &Path, public_url: &str) -> Mailer {
        let from = std::env::var("SHOPWAVE_MAIL_FROM")
            .ok()
            .and_then(|f| f.parse().ok())
            .unwrap_or_else(|| DEFAULT_FROM.parse().expect("the default sender parses"));
        let smtp = std::env::var("SHOPWAVE_SMTP_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .and_then(|url| match SmtpTransport::from_url(url.trim()) {
                Ok(builder) => Some(builder.build()),
                Err(error) => {
                    tracing::error!(%error, "SHOPWAVE_SMTP_URL is not usable; writing mail to files");
                    None
                }
            });
        let transport = match smtp {
            Some(smtp) => Transporter::Smtp(Box::new(smtp)),
            None => Transporter::Files(data_dir.join("mail")),
        };
        Mailer {
            from,
            transport,
            public_url: public_url.to_owned(),
        }
    }

    /// No mail server is configured: mail lands in `DATA_DIR/mail/` (a demo, or a test).
    pub fn writes_files(&self) -> bool {
        matches!(self.transport, Transporter::Files(_))
    }

    pub fn send(&self, email: &Email) -> Result<(), String> {
        // Parsing the recipient as a mailbox refuses CR/LF, so no header can be smuggled in.
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| format!("bad recipient {:?}: {e}", email.to))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.replace(['\r', '\n'], " "))
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.replace(SHOP_ORIGIN, &self.public_url))
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transporter::Smtp(smtp) => smtp.send(&message).map(|_| ()).map_err(|e| e.to_string()),
            Transporter::Files(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                FileTransport::new(dir)
                    .send(&message)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

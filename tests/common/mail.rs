//! The mail the shop wrote for a test (no SMTP server in tests: `.eml` files in the data
//! directory), read as a shopper reads it.

use diesel::prelude::*;
use shopwave::db::schema::users;

use super::TestDb;

impl TestDb {
    /// The address the shop mails `user_id` at.
    pub fn email_of(&self, user_id: i64) -> String {
        users::table
            .find(user_id)
            .select(users::email)
            .first(&mut self.conn())
            .expect("the user's address")
    }

    /// The path and query of the link in the latest mail to `to` that the shop wrote into
    /// `data_dir/mail` (no SMTP server in tests), as a shopper would follow it.
    pub fn mailed_link(&self, to: &str) -> String {
        let body = self.latest_mail(to);
        // Links point at the shop's configured address, whatever Host a request claimed.
        let public_url = self.public_url();
        let start = body
            .find(public_url)
            .unwrap_or_else(|| panic!("no link to {public_url} in:\n{body}"))
            + public_url.len();
        let path = &body[start..];
        path.split_whitespace().next().expect("the link").to_owned()
    }

    /// The body of the latest mail to `to`, decoded, as the shopper reads it.
    pub fn latest_mail(&self, to: &str) -> String {
        let dir = self.data_dir().join("mail");
        let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("no mail in {}: {e}", dir.display()))
            .map(|entry| {
                let path = entry.expect("a mail file").path();
                let modified = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .expect("mtime");
                (modified, std::fs::read_to_string(&path).expect("mail text"))
            })
            .filter(|(_, mail)| {
                mail.lines()
                    .any(|line| line == format!("To: {to}\r") || line == format!("To: {to}"))
            })
            .collect();
        mails.sort();
        let (_, latest) = mails.last().unwrap_or_else(|| panic!("no mail to {to}"));
        let body_start = latest.find("\r\n\r\n").expect("headers end") + 4;
        decode_quoted_printable(&latest[body_start..])
    }
}

/// Undoes a mail body's quoted-printable encoding, which lettre chooses for long lines: soft
/// line breaks joined, `=XX` bytes restored.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=')
            .then(|| joined.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

//! Fixtures for password reset by e-mail.

use super::{Page, TestApp, form_field};

/// Sends the "forgot your password" form for `email`.
pub async fn ask_reset(app: &TestApp, email: &str) -> Page {
    app.post("/account/password/forgot", &[("email", email)])
        .await
}

/// The token of the latest reset link mailed to `email`, read off the page the link opens.
pub async fn mailed_reset_token(app: &TestApp, email: &str) -> String {
    let link = app.db.mailed_link(email);
    assert!(link.starts_with("/account/password/reset?token="), "{link}");
    form_field(&app.get(&link).await.assert_status(200).body, "token")
}

/// Sends a new password with a link's token.
pub async fn set_password(app: &TestApp, token: &str, password: &str) -> Page {
    app.post(
        "/account/password/reset",
        &[("token", token), ("password", password)],
    )
    .await
}

/// How many mails the shop wrote to `to`.
pub fn mails_to(app: &TestApp, to: &str) -> usize {
    std::fs::read_dir(app.db.data_dir().join("mail"))
        .map(|dir| {
            dir.filter(|entry| {
                let text = std::fs::read_to_string(entry.as_ref().unwrap().path()).unwrap();
                text.contains(&format!("To: {to}\r\n"))
            })
            .count()
        })
        .unwrap_or(0)
}

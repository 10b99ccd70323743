//! What the report tests ask of the browser: signing in without the sign-in form (an admin's
//! form sign-in asks for a second factor), and counting what a chart shows.

use diesel::prelude::*;
use fantoccini::Locator;
use fantoccini::cookies::Cookie;

use super::Browser;
use crate::common::plant_session;
use shopwave::db::schema::sessions;

impl Browser {
    /// Signs the browser in as `user_id` with a session planted in the database, as
    /// `TestApp::sign_in_as` does for HTTP tests; an administrator's session is marked as
    /// having passed the second factor, as a real two-factor sign-in leaves it.
    pub async fn sign_in_as(&self, user_id: i64) {
        let mut conn = self.db.conn();
        let sealed = plant_session(&mut conn, user_id);
        let (id, state): (String, String) = sessions::table
            .filter(sessions::user_id.eq(user_id))
            .order(sessions::created_at.desc())
            .select((sessions::id, sessions::state))
            .first(&mut conn)
            .expect("the planted session");
        let mut state: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&state).expect("session state");
        state.insert("auth.mfa".into(), "true".into());
        diesel::update(sessions::table.find(id))
            .set(sessions::state.eq(serde_json::Value::Object(state).to_string()))
            .execute(&mut conn)
            .expect("mark the second factor");
        drop(conn);
        // A cookie can only be set for the site the browser is on.
        self.visit("/").await;
        let url = self.client.current_url().await.expect("current URL");
        // Chromium refuses a cookie whose domain is left out, and SameSite=None (what an unset
        // SameSite is sent as) on a cookie that is not Secure.
        let cookie = Cookie::parse(format!(
            "sw_session={sealed}; Path=/; Domain={}; SameSite=Lax",
            url.host_str().expect("a host")
        ))
        .expect("a cookie");
        self.client
            .add_cookie(cookie)
            .await
            .expect("set the session cookie");
    }

    /// How many elements match `css` and are displayed (a zero-sized element counts as shown
    /// when the browser says so).
    pub async fn count_displayed(&self, css: &str) -> usize {
        let mut shown = 0;
        for element in self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("look for elements")
        {
            if element.is_displayed().await.expect("visibility") {
                shown += 1;
            }
        }
        shown
    }

    /// The rendered width in CSS pixels of the first element matching `css`.
    pub async fn width_of(&self, css: &str) -> f64 {
        let width = self
            .client
            .execute(
                "return document.querySelector(arguments[0]).getBoundingClientRect().width;",
                vec![serde_json::json!(css)],
            )
            .await
            .expect("measure the element");
        width.as_f64().unwrap_or(0.0)
    }
}

//! A response as a test reads it, and the form fields a page carries.

use actix_web::http::{StatusCode, header};

/// A response, read to the end.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Page {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "unexpected status; body:\n{}",
            self.body
        );
        self
    }

    #[track_caller]
    pub fn assert_contains(&self, needle: &str) -> &Page {
        assert!(
            self.body.contains(needle),
            "expected {needle:?} in:\n{}",
            self.body
        );
        self
    }

    #[track_caller]
    pub fn assert_redirect_to(&self, path: &str) -> &Page {
        assert_eq!(
            self.status,
            StatusCode::SEE_OTHER,
            "expected a 303; body:\n{}",
            self.body
        );
        assert_eq!(self.location(), Some(path));
        self
    }
}

/// The value of the first form field called `name` in a page (a checked radio comes first).
pub fn form_field(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in:\n{body}"))
        + marker.len();
    body[start..]
        .split('"')
        .next()
        .expect("closing quote")
        .to_owned()
}

/// What the checkout review page's "Place order" form posts.
pub fn place_order_fields(review: &str) -> Vec<(&'static str, String)> {
    [
        "address_id",
        "shipping_method_id",
        "payment",
        "idempotency_key",
        "expected_total",
    ]
    .into_iter()
    .map(|name| (name, form_field(review, name)))
    .collect()
}

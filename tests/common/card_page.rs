//! The shopper's side of the processor's card page: typing a card there, as a browser would,
//! and following the processor back to the shop.

use shopwave::payments::{CardEntryReturn, CardToken, PaymentGateway};

use super::{PUBLIC_URL, Page, TestApp};

/// A card as a shopper types it: any future expiry, any three-digit code.
pub fn typed(number: &str) -> [(&'static str, String); 4] {
    [
        ("number", number.to_owned()),
        ("exp_month", "12".to_owned()),
        ("exp_year", "2099".to_owned()),
        ("cvc", "123".to_owned()),
    ]
}

/// What the card page answered a card typed on it.
#[derive(Debug)]
pub struct Typed {
    pub status: u16,
    /// Where it sent the shopper: back to the shop, once the card is in.
    pub location: Option<String>,
    pub body: String,
}

/// Posts `fields` to the processor's card page at `url`, without following where it sends the
/// shopper.
pub fn type_card(url: &str, fields: &[(&str, String)]) -> Typed {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent
        .post(url)
        .send_form(fields.iter().map(|(name, value)| (*name, value.as_str())))
        .expect("the card page answers");
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Typed {
        status: response.status().as_u16(),
        location,
        body: response.body_mut().read_to_string().expect("a page"),
    }
}

/// A card typed on the processor's page and read back as the shop reads it: the token, brand,
/// last four digits and expiry (`Err` is the page's refusal, when it did not take the card).
pub fn card_via_page(processor: &dyn PaymentGateway, number: &str) -> Result<CardToken, Typed> {
    let back = CardEntryReturn {
        entered: format!("{PUBLIC_URL}/back?session_id={{CHECKOUT_SESSION_ID}}"),
        cancelled: format!("{PUBLIC_URL}/cancelled"),
        reference: "test".into(),
    };
    let entry = processor.open_card_entry(&back).expect("a card page");
    let typed = type_card(&entry.url, &typed(number));
    if typed.status != 303 {
        return Err(typed);
    }
    assert_eq!(
        typed.location,
        Some(format!("{PUBLIC_URL}/back?session_id={}", entry.id)),
        "the page sends the shopper back with the entry's id"
    );
    Ok(processor.entered_card(&entry.id).expect("the card entered"))
}

impl TestApp {
    /// Follows the shop's redirect to the processor's card page, types `fields` there, and, if
    /// the page takes the card, follows the processor back to the shop. `Err` is the page's
    /// refusal.
    pub async fn enter_card(
        &self,
        to_card_page: &Page,
        fields: &[(&str, String)],
    ) -> Result<Page, Typed> {
        to_card_page.assert_status(303);
        let url = to_card_page.location().expect("the card page's address");
        let typed = type_card(url, fields);
        match (typed.status, &typed.location) {
            (303, Some(back)) => {
                let path = back.strip_prefix(PUBLIC_URL).expect("back to this shop");
                Ok(self.get(path).await)
            }
            _ => Err(typed),
        }
    }

    /// `enter_card` with a card that the page takes.
    pub async fn enter_good_card(&self, to_card_page: &Page, number: &str) -> Page {
        self.enter_card(to_card_page, &typed(number))
            .await
            .expect("the card page takes the card")
    }
}

//! The card processor over HTTP: the shop's client (`payments::Processor`) against the simulator
//! (`payments_sim`), as every shop node talks to it. No database: these are the processor's own
//! promises — a key answers once, the books outlive a restart, refunds never exceed the charge —
//! and what the shop concludes when it cannot reach the processor at all.

use std::time::Duration;

use shopwave::money::Money;
use shopwave::payments::{ChargeOutcome, Gateway, Lookup, PaymentGateway, Processor, RefundAnswer};
use shopwave::payments_sim::{self, Running};

use crate::common::card_page::card_via_page;
use crate::common::commerce::{APPROVED, TIMEOUT_CAPTURED, TIMEOUT_LOST};

const KEY: &str = "sk_test_processor";

fn simulator(dir: &tempfile::TempDir) -> Running {
    payments_sim::start(dir.path(), KEY.into()).expect("the simulator starts")
}

fn client(simulator: &Running) -> Processor {
    Processor::new(&simulator.url, &simulator.api_key, Duration::from_secs(5))
}

fn token(processor: &impl PaymentGateway, number: &str) -> String {
    card_via_page(processor, number)
        .expect("a valid card")
        .token
}

fn dollars(n: i64) -> Money {
    Money::from_minor(n * 100)
}

#[test]
fn a_charge_repeated_under_its_key_is_made_once_and_outlives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = simulator(&dir);
    let processor = client(&running);
    let paid = token(&processor, APPROVED);
    let first = processor.charge(&paid, dollars(25), "pay_1");
    let ChargeOutcome::Captured { reference } = first.clone() else {
        panic!("an approved card pays: {first:?}");
    };
    assert_eq!(processor.charge(&paid, dollars(25), "pay_1"), first);
    drop(running);

    let restarted = simulator(&dir);
    let processor = client(&restarted);
    assert_eq!(
        processor.lookup("pay_1"),
        Lookup::Captured {
            reference: reference.clone()
        }
    );
    assert_eq!(processor.charge(&paid, dollars(25), "pay_1"), first);
    assert_eq!(processor.lookup("pay_2"), Lookup::NotFound);
}

#[test]
fn a_card_typed_on_the_processors_page_comes_back_as_a_token_brand_last_four_and_expiry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = simulator(&dir);
    let token = card_via_page(&client(&running), "4242 4242 4242 4242").expect("valid");
    assert_eq!(
        (token.brand.as_str(), token.last4.as_str()),
        ("visa", "4242")
    );
    assert_eq!((token.exp_month, token.exp_year), (12, 2099));
    assert!(!token.token.contains("4242424242424242"));
    let refused = card_via_page(&client(&running), "4242 4242 4242 4241")
        .expect_err("a number failing its check digit");
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("That card number is not valid; please check it.")
    );
}

#[test]
fn declines_and_lost_answers_are_told_apart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = simulator(&dir);
    let processor = client(&running);
    let declined = token(&processor, "4000 0000 0000 9995");
    assert_eq!(
        processor.charge(&declined, dollars(5), "pay_declined"),
        ChargeOutcome::Declined {
            reason: "Insufficient funds.".into()
        }
    );
    assert_eq!(
        processor.lookup("pay_declined"),
        Lookup::Declined {
            reason: "Insufficient funds.".into()
        }
    );
    // Charged, then a 500, replayed for every retry under the same key: the shop cannot know.
    let late = token(&processor, TIMEOUT_CAPTURED);
    assert_eq!(
        processor.charge(&late, dollars(5), "pay_late"),
        ChargeOutcome::Unknown
    );
    assert!(matches!(
        processor.lookup("pay_late"),
        Lookup::Captured { .. }
    ));
    // Never taken: unknown to the shop, and nothing to find afterwards.
    let lost = token(&processor, TIMEOUT_LOST);
    assert_eq!(
        processor.charge(&lost, dollars(5), "pay_lost"),
        ChargeOutcome::Unknown
    );
    assert_eq!(processor.lookup("pay_lost"), Lookup::NotFound);
}

#[test]
fn refunds_give_back_at_most_the_charge_and_replay_under_their_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = simulator(&dir);
    let processor = client(&running);
    let paid = token(&processor, APPROVED);
    let ChargeOutcome::Captured { reference } = processor.charge(&paid, dollars(30), "pay_r")
    else {
        panic!("an approved card pays");
    };
    let first = processor.refund(&reference, dollars(20), "refund_1");
    assert!(matches!(first, RefundAnswer::Refunded { .. }), "{first:?}");
    assert_eq!(processor.refund(&reference, dollars(20), "refund_1"), first);
    assert_eq!(
        processor.refund(&reference, dollars(20), "refund_2"),
        RefundAnswer::Refused {
            reason: "The refund is more than is left of the payment.".into()
        }
    );
    assert!(matches!(
        processor.refund(&reference, dollars(10), "refund_3"),
        RefundAnswer::Refunded { .. }
    ));
    assert!(matches!(
        processor.refund("pi_unknown", dollars(1), "refund_4"),
        RefundAnswer::Refused { .. }
    ));
}

#[test]
fn a_wrong_key_charges_nothing_and_tells_the_shopper_only_that_paying_failed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = simulator(&dir);
    let paid = token(&client(&running), APPROVED);
    let stranger = Processor::new(&running.url, "sk_wrong", Duration::from_secs(5));
    let ChargeOutcome::Declined { reason } = stranger.charge(&paid, dollars(5), "pay_x") else {
        panic!("refused");
    };
    assert!(!reason.contains("API key"), "{reason}");
    assert_eq!(client(&running).lookup("pay_x"), Lookup::NotFound);
}

#[test]
fn a_processor_that_cannot_be_reached_leaves_every_answer_unknown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = simulator(&dir);
    let url = running.url.clone();
    let paid = token(&client(&running), APPROVED);
    drop(running);
    let gone: Gateway = std::sync::Arc::new(Processor::new(&url, KEY, Duration::from_secs(1)));
    assert_eq!(
        gone.charge(&paid, dollars(5), "pay_1"),
        ChargeOutcome::Unknown
    );
    assert_eq!(gone.lookup("pay_1"), Lookup::Unreachable);
    assert_eq!(
        gone.refund("pi_1", dollars(5), "refund_1"),
        RefundAnswer::Unknown
    );
    let back = shopwave::payments::CardEntryReturn {
        entered: "http://shop.test/back".into(),
        cancelled: "http://shop.test/".into(),
        reference: "1".into(),
    };
    let refused = gone.open_card_entry(&back).expect_err("no card page");
    assert!(refused.0.contains("could not be reached"), "{}", refused.0);
}

#[test]
fn a_slow_processor_is_unknown_after_the_timeout_and_found_paid_later() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = simulator(&dir);
    let impatient = Processor::new(&running.url, KEY, Duration::from_millis(500));
    let slow = token(&impatient, "4000 0000 0000 6975");
    assert_eq!(
        impatient.charge(&slow, dollars(5), "pay_slow"),
        ChargeOutcome::Unknown
    );
    // Every try was the same charge: asked again under its key, the processor names the one.
    let ChargeOutcome::Captured { reference } =
        client(&running).charge(&slow, dollars(5), "pay_slow")
    else {
        panic!("the slow charge went through");
    };
    assert_eq!(impatient.lookup("pay_slow"), Lookup::Captured { reference });
}

#[test]
fn the_stripe_client_pays_and_refunds_through_the_simulator_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let running = simulator(&dir);
    let stripe = Processor::stripe(&running.url, KEY, Duration::from_secs(5));
    let card = card_via_page(&stripe, APPROVED).expect("a valid card");
    assert!(
        card.token.starts_with("cus_"),
        "the card is kept with its customer: {}",
        card.token
    );
    let ChargeOutcome::Captured { reference } = stripe.charge(&card.token, dollars(5), "pay_s")
    else {
        panic!("an approved card pays");
    };
    assert_eq!(
        stripe.lookup("pay_s"),
        Lookup::Captured {
            reference: reference.clone()
        }
    );
    assert!(matches!(
        stripe.refund(&reference, dollars(5), "refund_s"),
        RefundAnswer::Refunded { .. }
    ));
    assert!(matches!(
        stripe.refund(&reference, dollars(1), "refund_s2"),
        RefundAnswer::Refused { .. }
    ));
}

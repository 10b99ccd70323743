//! E-mail that a change causes, queued in the change's own transaction and delivered after it
//! commits: a shopper is told about a shipment exactly when the shipment is recorded, a rolled
//! back change sends nothing, and mail queued before a crash goes out after the restart.

use diesel::prelude::*;

use crate::db::schema::mail_outbox;
use crate::db::{DbConn, write_tx};
use crate::error::Result;
use crate::mail::{Email, Mailer};

/// Queues `email` inside the caller's transaction.
pub fn queue(conn: &mut DbConn, email: &Email) -> Result<()> {
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::to_address.eq(&email.to),
            mail_outbox::subject.eq(&email.subject),
            mail_outbox::body.eq(&email.body),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sends what is queued, oldest first, and returns how many went out. Each message is claimed
/// by a conditional update before it is sent, so two nodes delivering at once never send one
/// twice; a message the mailer refuses is released and tried again on the next delivery.
pub fn deliver(conn: &mut DbConn, mailer: &Mailer) -> Result<usize> {
    let queued: Vec<(i64, String, String, String)> = mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .order(mail_outbox::id.asc())
        .limit(100)
        .select((
            mail_outbox::id,
            mail_outbox::to_address,
            mail_outbox::subject,
            mail_outbox::body,
        ))
        .load(conn)?;
    let mut sent = 0;
    for (id, to, subject, body) in queued {
        let claimed = write_tx(conn, |c| {
            diesel::update(
                mail_outbox::table
                    .find(id)
                    .filter(mail_outbox::sent_at.is_null()),
            )
            .set(mail_outbox::sent_at.eq(crate::util::now()))
            .execute(c)
        })?;
        if claimed == 0 {
            continue;
        }
        if let Err(error) = mailer.send(&Email { to, subject, body }) {
            tracing::warn!(id, %error, "queued e-mail not sent; it stays queued");
            write_tx(conn, |c| {
                diesel::update(mail_outbox::table.find(id))
                    .set(mail_outbox::sent_at.eq(None::<chrono::NaiveDateTime>))
                    .execute(c)
            })?;
            break;
        }
        sent += 1;
    }
    Ok(sent)
}

//! The shop's own note on an order ("customer called, parcel re-sent"), which only admins see.
//! Two admins may have the order open at once, so the note is saved only over the version the
//! form was opened at (`edits`); every save leaves an audit row with the new text.

use diesel::prelude::*;
use serde::Deserialize;

use crate::audit::{self, Actor, Entity};
use crate::db::schema::orders;
use crate::db::{DbConn, write_tx};
use crate::edits::{self, EditForm, Version};
use crate::error::Result;
use crate::forms::{self, FieldErrors};
use crate::orders::{months, numbered};

/// The longest note the column keeps.
pub const NOTE_MAX: usize = 2000;

/// The note form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct NoteForm {
    pub note: String,
    /// The note's version when the page was opened (`edits`).
    pub version: String,
}

impl NoteForm {
    pub fn of(order: &crate::db::models::Order) -> NoteForm {
        NoteForm {
            note: order.staff_note.clone(),
            version: order.note_version.to_string(),
        }
    }

    /// The note as it is kept: several lines allowed, at most `NOTE_MAX` characters.
    pub fn parse(&self) -> std::result::Result<String, FieldErrors> {
        let mut errors = FieldErrors::default();
        let note = forms::paragraphs(&mut errors, "note", "The note", &self.note, NOTE_MAX);
        errors.or_ok(note)
    }
}

impl EditForm for NoteForm {
    fn labelled(&self) -> Vec<(&'static str, String)> {
        vec![("Note", self.note.clone())]
    }

    fn version(&self) -> &str {
        &self.version
    }

    fn set_version(&mut self, version: String) {
        self.version = version;
    }
}

/// Saves the note of order `number`, unless another admin saved it since `opened_at`.
pub fn save_note(
    conn: &mut DbConn,
    admin: &Actor,
    number: &str,
    opened_at: Version,
    note: &str,
) -> Result<()> {
    write_tx(conn, |conn| {
        let id: i64 = orders::table
            .filter(numbered(conn, number)?)
            .select(orders::id)
            .first(conn)?;
        let rows = diesel::update(orders::table.filter(months::the_order(id)))
            .filter(orders::note_version.eq(opened_at.0))
            .set((
                orders::staff_note.eq(note),
                orders::note_version.eq(orders::note_version + 1),
            ))
            .execute(conn)?;
        edits::saved(rows)?;
        let entity = Entity { kind: "order", id };
        audit::record(conn, admin, "order.note", entity, &format!("Note: {note}"))
    })
}

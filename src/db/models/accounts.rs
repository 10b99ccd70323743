//! Rows of the accounts tables: users, sessions, pending registrations, addresses, payment
//! tokens, audit log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::*;
use crate::db::types::{LoginPurpose, Role, UserStatus};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub status: UserStatus,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub password_changed_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// The last TOTP time step accepted, so a code is good only once.
    pub totp_last_step: Option<i64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = user_recovery_codes)]
pub struct RecoveryCode {
    pub id: i64,
    pub user_id: i64,
    pub code_hash: String,
    pub used_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub user_id: Option<i64>,
    pub state: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = login_attempts)]
pub struct LoginAttempt {
    pub id: i64,
    pub email: String,
    pub client_ip: String,
    pub succeeded: bool,
    pub created_at: NaiveDateTime,
    pub purpose: LoginPurpose,
}

/// A registration waiting for its e-mail address to be confirmed.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = pending_registrations)]
pub struct PendingRegistration {
    pub id: i64,
    pub token_hash: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A password reset's mailed link, by the SHA-256 of its token.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = password_resets)]
pub struct PasswordReset {
    pub id: i64,
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = email_changes)]
pub struct EmailChange {
    pub id: i64,
    pub token_hash: String,
    pub user_id: i64,
    pub new_email: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = addresses)]
pub struct Address {
    pub id: i64,
    pub user_id: i64,
    pub label: String,
    pub full_name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub phone: Option<String>,
    pub is_default: bool,
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = payment_methods)]
pub struct PaymentMethod {
    pub id: i64,
    pub user_id: i64,
    pub gateway_token: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i32,
    pub exp_year: i32,
    pub is_default: bool,
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<i64>,
    pub details: String,
    pub client_ip: Option<String>,
    pub created_at: NaiveDateTime,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

//! The closed sets stored as text, each with exactly the words its CHECK constraint in
//! `migrations/*/` allows. They are declared here, below every domain, so that the row types in
//! `db::models` can use them; what a value means (labels, allowed moves) lives with the domain
//! that owns it, which re-exports the type. `text_enum!` gives each diesel's `ToSql`/`FromSql`
//! for `Text` on any backend that reads and writes strings (both of ours and the
//! `MultiConnection` one). A word read from the database that the enum does not know is a
//! deserialization error, never a panic.

/// A stored word that no variant of the enum spells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {kind}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// Declares a closed set stored as text:
///
/// ```text
/// text_enum! {
///     /// Doc of the enum.
///     pub enum Colour { Red = "red", Green = "green" }
/// }
/// ```
///
/// gives `Colour::ALL`, `as_str()`, `sql_list(&[Colour])`, `parse(&str) -> Option<Colour>`, `FromStr`, `Display`, serde
/// (as the same words) and the diesel conversions.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The word stored in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }

            /// The words of `values` as an SQL list (`'a', 'b'`) for a statement written as
            /// text; they are this enum's own literals, never input.
            pub fn sql_list(values: &[$name]) -> String {
                values
                    .iter()
                    .map(|value| format!("'{}'", value.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::db::types::UnknownValue;

            fn from_str(text: &str) -> Result<$name, Self::Err> {
                $name::parse(text).ok_or_else(|| $crate::db::types::UnknownValue {
                    kind: stringify!($name),
                    value: text.to_owned(),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    DB,
                >>::from_sql(bytes)?;
                Ok(text.parse::<$name>()?)
            }
        }
    };
}

text_enum! {
    /// Where an order stands, as stored in `orders.status` and `order_status_history`.
    pub enum OrderStatus {
        /// Placed, holding its stock, waiting for the gateway's answer.
        PendingPayment = "pending_payment",
        Confirmed = "confirmed",
        Processing = "processing",
        Shipped = "shipped",
        Delivered = "delivered",
        Cancelled = "cancelled",
        PaymentFailed = "payment_failed",
        Refunded = "refunded",
    }
}

text_enum! {
    /// Where a payment stands, as stored in `payments.status`.
    pub enum PaymentStatus {
        /// Recorded with the order; the gateway has not answered yet.
        Pending = "pending",
        Captured = "captured",
        Declined = "declined",
        /// No charge reached the gateway in time.
        Failed = "failed",
        /// The gateway's answer was lost; the sweeper asks again.
        Unknown = "unknown",
        /// Captured, then given back in full.
        Voided = "voided",
    }
}

text_enum! {
    /// How a refund request to the gateway went, as stored in `refunds.status`.
    pub enum RefundStatus {
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

text_enum! {
    /// Where a review stands in moderation, as stored in `reviews.status`.
    pub enum ReviewStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

text_enum! {
    /// The closed set of roles, as stored in `users.role`.
    pub enum Role {
        Customer = "customer",
        Seller = "seller",
        Admin = "admin",
    }
}

text_enum! {
    /// Whether an account may sign in, as stored in `users.status`.
    pub enum UserStatus {
        Active = "active",
        Suspended = "suspended",
        Deleted = "deleted",
    }
}

text_enum! {
    /// What an attempt in `login_attempts` was for.
    pub enum LoginPurpose {
        Login = "login",
        Register = "register",
    }
}

text_enum! {
    /// Whether a seller may list and sell, as stored in `sellers.status`.
    pub enum SellerStatus {
        Pending = "pending",
        Active = "active",
        Suspended = "suspended",
    }
}

text_enum! {
    /// Where a payout to a seller stands, as stored in `seller_payouts.status`.
    pub enum PayoutStatus {
        Pending = "pending",
        Paid = "paid",
        Failed = "failed",
    }
}

text_enum! {
    /// A seller's parcel of an order, as stored in `shipments.status`.
    pub enum ShipmentStatus {
        Pending = "pending",
        Packed = "packed",
        Shipped = "shipped",
        Delivered = "delivered",
        Cancelled = "cancelled",
    }
}

text_enum! {
    /// A shopper's request to send units of a line back, as stored in `returns.status`.
    pub enum ReturnStatus {
        Requested = "requested",
        Accepted = "accepted",
        Refused = "refused",
        Received = "received",
    }
}

text_enum! {
    /// How a promotion takes money off, as stored in `promotions.discount_kind`.
    pub enum DiscountKind {
        Percentage = "percentage",
        FixedAmount = "fixed_amount",
    }
}

text_enum! {
    /// What a promotion covers, as stored in `promotions.scope`.
    pub enum PromotionScope {
        Site = "site",
        Category = "category",
        Product = "product",
    }
}

text_enum! {
    /// Where a listing stands, as stored in `products.status`. Only an active product is shown
    /// to shoppers, sold, reviewed or indexed.
    pub enum ProductStatus {
        Draft = "draft",
        Active = "active",
        Archived = "archived",
    }
}

text_enum! {
    /// Why stock moved, as stored in `inventory_movements.reason`.
    pub enum MovementReason {
        Initial = "initial",
        Restock = "restock",
        Sale = "sale",
        Cancellation = "cancellation",
        PaymentFailed = "payment_failed",
        Return = "return",
        Adjustment = "adjustment",
    }
}

text_enum! {
    /// Which encoder wrote an uploaded image's files, as stored in `product_images.encoding`
    /// (`src/images/process.rs` says why these two).
    pub enum ImageEncoding {
        Jpeg = "jpeg",
        Png = "png",
    }
}

text_enum! {
    /// Where a seller's CSV import stands, as stored in `product_imports.status`: checked and
    /// shown as a preview, then applied batch by batch until done (or stopped by a failure).
    pub enum ImportStatus {
        Previewed = "previewed",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    text_enum! {
        enum Colour { Red = "red", DarkGreen = "dark_green" }
    }

    #[test]
    fn words_round_trip_and_unknown_words_are_refused() {
        for colour in Colour::ALL {
            assert_eq!(Colour::parse(colour.as_str()), Some(colour));
            assert_eq!(colour.to_string().parse::<Colour>(), Ok(colour));
        }
        assert_eq!(Colour::DarkGreen.as_str(), "dark_green");
        let refused = "blue".parse::<Colour>().unwrap_err();
        assert_eq!(refused.to_string(), "\"blue\" is not a known Colour");
    }

    #[test]
    fn a_set_of_words_is_an_sql_list() {
        assert_eq!(Colour::sql_list(&Colour::ALL), "'red', 'dark_green'");
        assert_eq!(Colour::sql_list(&[Colour::Red]), "'red'");
    }

    #[test]
    fn every_stored_set_round_trips_through_its_words() {
        macro_rules! round_trip {
            ($($name:ident),+) => {$(
                for value in $name::ALL {
                    assert_eq!($name::parse(value.as_str()), Some(value));
                }
            )+};
        }
        round_trip!(
            OrderStatus,
            PaymentStatus,
            RefundStatus,
            ReviewStatus,
            Role,
            UserStatus,
            LoginPurpose,
            SellerStatus,
            PayoutStatus,
            DiscountKind,
            PromotionScope,
            ProductStatus,
            MovementReason
        );
        assert_eq!(OrderStatus::PendingPayment.as_str(), "pending_payment");
        assert_eq!(OrderStatus::parse("partially_refunded"), None);
        assert_eq!(Role::parse("Admin"), None);
    }

    #[test]
    fn values_serialize_as_their_words() {
        assert_eq!(serde_json::to_string(&Role::Admin).unwrap(), "\"admin\"");
        let read: Role = serde_json::from_str("\"seller\"").unwrap();
        assert_eq!(read, Role::Seller);
    }
}

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
/// ```ignore
/// text_enum! {
///     /// Doc of the enum.
///     pub enum Colour { Red = "red", Green = "green" }
/// }
/// ```
///
/// gives `Colour::ALL`, `as_str()`, `parse(&str) -> Option<Colour>`, `FromStr`, `Display`, serde
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
    fn product_statuses_and_movement_reasons_round_trip_through_their_words() {
        for status in ProductStatus::ALL {
            assert_eq!(ProductStatus::parse(status.as_str()), Some(status));
        }
        for reason in MovementReason::ALL {
            assert_eq!(MovementReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(ProductStatus::parse("deleted"), None);
        assert_eq!(MovementReason::PaymentFailed.as_str(), "payment_failed");
    }
}

//! What a listing state means to the shop.

pub use crate::db::types::ProductStatus;

impl ProductStatus {
    /// Words for the seller's status menu.
    pub fn label(self) -> &'static str {
        match self {
            ProductStatus::Draft => "Draft (hidden)",
            ProductStatus::Active => "Active (for sale)",
            ProductStatus::Archived => "Archived (no longer sold)",
        }
    }

    pub fn is_for_sale(self) -> bool {
        self == ProductStatus::Active
    }
}

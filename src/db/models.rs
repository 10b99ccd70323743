//! Diesel row types, one module per migration; inserts and changesets live beside the
//! services that write them.

mod accounts;
mod catalog;
mod commerce;

pub use accounts::*;
pub use catalog::*;
pub use commerce::*;

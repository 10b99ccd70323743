//! Diesel row types, one module per migration. An insert or changeset written by one service
//! lives beside it; one written both by a service and by the seed lives here, so the two write
//! the same columns.

mod accounts;
mod catalog;
mod commerce;
mod fulfilment;

pub use accounts::*;
pub use catalog::*;
pub use commerce::*;
pub use fulfilment::*;

//! An order's life: which statuses count as paid, their words for the shopper.

use crate::db::types::OrderStatus;

impl OrderStatus {
    /// Orders whose money the shop has (paid and not cancelled, refunded or failed): what sales
    /// reports count and what lets a buyer review what they bought.
    pub const PAID: [OrderStatus; 4] = [
        OrderStatus::Confirmed,
        OrderStatus::Processing,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
    ];

    /// Words for the shopper.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "Awaiting payment",
            OrderStatus::Confirmed => "Confirmed",
            OrderStatus::Processing => "Being prepared",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::PaymentFailed => "Payment failed",
            OrderStatus::Refunded => "Refunded",
        }
    }
}

//! The demo shop's word lists and tables: what it sells, who sells and buys, and how orders
//! and reviews tend to go.

use crate::orders::OrderStatus;

/// A second-level category and its leaves.
type Branch = (&'static str, &'static [&'static str]);

/// The category tree: top level → second level → leaves.
pub(super) const TREE: &[(&str, &[Branch])] = &[
    (
        "Electronics",
        &[
            ("Phones", &["Smartphones", "Phone Accessories"]),
            ("Computers", &["Laptops", "Monitors"]),
            ("Audio", &["Headphones", "Speakers"]),
        ],
    ),
    (
        "Home & Kitchen",
        &[
            ("Kitchen", &["Cookware", "Coffee & Tea"]),
            ("Furniture", &["Chairs", "Desks"]),
            ("Lighting", &[]),
        ],
    ),
    (
        "Fashion",
        &[
            ("Men", &["Shirts", "Shoes"]),
            ("Women", &["Dresses", "Bags"]),
        ],
    ),
    (
        "Sports & Outdoors",
        &[
            ("Running", &[]),
            ("Cycling", &[]),
            ("Camping", &["Tents", "Backpacks"]),
        ],
    ),
    ("Books", &[("Fiction", &[]), ("Non-fiction", &[])]),
    ("Toys & Games", &[("Board Games", &[]), ("Puzzles", &[])]),
];

pub(super) const ADJECTIVES: &[&str] = &[
    "Classic",
    "Ultra",
    "Compact",
    "Premium",
    "Everyday",
    "Pro",
    "Eco",
    "Vintage",
    "Smart",
    "Rugged",
    "Lightweight",
    "Deluxe",
    "Essential",
    "Modern",
    "Nordic",
    "Urban",
    "Trail",
    "Studio",
    "Travel",
    "Signature",
];
pub(super) const MATERIALS: &[&str] = &[
    "Cotton",
    "Steel",
    "Bamboo",
    "Walnut",
    "Carbon",
    "Leather",
    "Wool",
    "Ceramic",
    "Aluminium",
    "Linen",
];
pub(super) const SELLERS: &[&str] = &[
    "Northwind Traders",
    "Blue Harbor Goods",
    "Summit Outfitters",
    "Maple & Co",
    "Pixel Works",
    "Hearth Home",
    "Page Turner Books",
    "Playful Minds",
    "Coastal Threads",
    "Volt Electronics",
];
pub(super) const FIRST_NAMES: &[&str] = &[
    "Ava", "Liam", "Mia", "Noah", "Zoe", "Omar", "Lena", "Ravi", "Iris", "Jonas", "Maya", "Tomas",
    "Aiko", "Sam", "Nora", "Eli",
];
pub(super) const LAST_NAMES: &[&str] = &[
    "Garcia", "Smith", "Okafor", "Nguyen", "Müller", "Rossi", "Kowalski", "Haddad", "Tanaka",
    "Brown", "Silva", "Jensen",
];
pub(super) const CITIES: &[(&str, &str, &str, &str)] = &[
    ("San Francisco", "CA", "94103", "US"),
    ("Brooklyn", "NY", "11201", "US"),
    ("Austin", "TX", "73301", "US"),
    ("Portland", "OR", "97201", "US"),
    ("Seattle", "WA", "98101", "US"),
    ("London", "", "SW1A 1AA", "GB"),
    ("Berlin", "", "10115", "DE"),
    ("Lyon", "", "69001", "FR"),
    ("Toronto", "ON", "M5H 2N2", "CA"),
];
pub(super) const REVIEW_TITLES: &[(i32, &str, &str)] = &[
    (
        5,
        "Love it",
        "Exactly as described and arrived quickly. Would buy again.",
    ),
    (
        5,
        "Excellent quality",
        "Feels solid and well made. Worth every cent.",
    ),
    (
        4,
        "Very good",
        "Does the job well; the packaging could be better.",
    ),
    (
        4,
        "Happy with it",
        "Good value for the price, minor scuff on arrival.",
    ),
    (
        3,
        "It's okay",
        "Works, but not quite what I expected from the photos.",
    ),
    (
        2,
        "Disappointing",
        "Stopped working properly after a few weeks.",
    ),
    (
        1,
        "Would not recommend",
        "Broke on the second day, returned it.",
    ),
];

/// Settled statuses of past orders, weighted as a real shop's history is: mostly delivered.
pub(super) const PAST_ORDER_STATUSES: &[OrderStatus] = &[
    OrderStatus::Delivered,
    OrderStatus::Delivered,
    OrderStatus::Delivered,
    OrderStatus::Delivered,
    OrderStatus::Shipped,
    OrderStatus::Processing,
    OrderStatus::Confirmed,
    OrderStatus::Cancelled,
    OrderStatus::Refunded,
];

pub(super) fn variant_options(category: &str) -> Vec<Option<(&'static str, &'static str)>> {
    match category {
        "Shirts" | "Dresses" | "Running" => vec![
            Some(("Size", "S")),
            Some(("Size", "M")),
            Some(("Size", "L")),
            Some(("Size", "XL")),
        ],
        "Shoes" => vec![
            Some(("Size", "40")),
            Some(("Size", "41")),
            Some(("Size", "42")),
            Some(("Size", "43")),
            Some(("Size", "44")),
        ],
        "Smartphones" | "Laptops" => vec![
            Some(("Storage", "128 GB")),
            Some(("Storage", "256 GB")),
            Some(("Storage", "512 GB")),
        ],
        "Bags" | "Backpacks" | "Chairs" | "Headphones" => vec![
            Some(("Colour", "Black")),
            Some(("Colour", "Navy")),
            Some(("Colour", "Sand")),
        ],
        _ => vec![None],
    }
}

pub(super) fn singular(category: &str) -> String {
    match category {
        "Coffee & Tea" => "Coffee Maker".into(),
        "Phone Accessories" => "Phone Case".into(),
        "Running" => "Running Shoe".into(),
        "Cycling" => "Bike Light".into(),
        "Fiction" => "Novel".into(),
        "Non-fiction" => "Field Guide".into(),
        "Cookware" => "Skillet".into(),
        "Lighting" => "Desk Lamp".into(),
        "Puzzles" => "Puzzle".into(),
        "Headphones" => "Headphones".into(),
        "Dresses" => "Dress".into(),
        other => other.strip_suffix('s').unwrap_or(other).to_owned(),
    }
}

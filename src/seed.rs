//! Demo data: a believable small shop (categories, sellers, products with variants, customers,
//! past orders, reviews, promotions), written through the same ledger and outbox rules as the
//! shop itself, and deterministic so that every demo looks the same.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::accounts::{self, NewUser, Role};
use crate::catalog::ProductStatus;
use crate::catalog::slug::slug;
use crate::db::schema::*;
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};
use crate::inventory::{self, Move, MovementReason, Why};
use crate::money::Money;
use crate::util::{now, random_hex};

mod bulk;

/// The category tree: top level → second level → leaves.
const TREE: &[(&str, &[(&str, &[&str])])] = &[
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

const ADJECTIVES: &[&str] = &[
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
const MATERIALS: &[&str] = &[
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
const SELLERS: &[&str] = &[
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
const FIRST_NAMES: &[&str] = &[
    "Ava", "Liam", "Mia", "Noah", "Zoe", "Omar", "Lena", "Ravi", "Iris", "Jonas", "Maya", "Tomas",
    "Aiko", "Sam", "Nora", "Eli",
];
const LAST_NAMES: &[&str] = &[
    "Garcia", "Smith", "Okafor", "Nguyen", "Müller", "Rossi", "Kowalski", "Haddad", "Tanaka",
    "Brown", "Silva", "Jensen",
];
const CITIES: &[(&str, &str, &str, &str)] = &[
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
const REVIEW_TITLES: &[(i32, &str, &str)] = &[
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
const PAST_ORDER_STATUSES: &[&str] = &[
    "delivered",
    "delivered",
    "delivered",
    "delivered",
    "shipped",
    "processing",
    "confirmed",
    "cancelled",
    "refunded",
];

/// What a demo run made, and the logins to try it with.
pub struct Report {
    pub categories: usize,
    pub sellers: usize,
    pub products: usize,
    pub variants: usize,
    pub customers: usize,
    pub orders: usize,
    pub reviews: usize,
    pub logins: Vec<(String, String, String)>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "demo shop created: {} categories, {} sellers, {} products ({} variants), {} customers, {} orders, {} reviews",
            self.categories,
            self.sellers,
            self.products,
            self.variants,
            self.customers,
            self.orders,
            self.reviews
        )?;
        writeln!(f, "sign in with (shown once, keep them):")?;
        for (role, email, password) in &self.logins {
            writeln!(f, "  {role:<9} {email}  password: {password}")?;
        }
        Ok(())
    }
}

/// Fills an empty database; refuses one that already has users, so a shop is never mixed with demo data.
pub fn demo(conn: &mut DbConn, scale: Option<f64>) -> Result<String> {
    if has_users(conn)? {
        return Err(Error::Conflict(
            "the database already has data; `seed` only fills an empty shop".into(),
        ));
    }
    match scale {
        None => Generator::new(500)
            .run(conn)
            .map(|report| report.to_string()),
        Some(f) if f > 0.0 && f <= 1.0 => {
            bulk::run(conn, f, &accounts::password::hash("shopwave-bulk-shopper"))
        }
        Some(f) => Err(Error::Invalid(format!(
            "--scale must be above 0 and at most 1.0 (got {f})"
        ))),
    }
}

/// On first start: fill the shop when it has no users at all.
pub fn demo_if_empty(conn: &mut DbConn) -> Result<Option<String>> {
    if has_users(conn)? {
        Ok(None)
    } else {
        demo(conn, None).map(Some)
    }
}

fn has_users(conn: &mut DbConn) -> Result<bool> {
    Ok(users::table
        .select(users::id)
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

struct Generator {
    rng: StdRng,
    products: usize,
    started: NaiveDateTime,
}

struct SeededVariant {
    id: i64,
    product_id: i64,
    seller_id: i64,
    product_name: String,
    name: String,
    sku: String,
    price: i64,
}

impl Generator {
    fn new(products: usize) -> Generator {
        Generator {
            rng: StdRng::seed_from_u64(2026),
            products,
            started: now(),
        }
    }

    fn run(mut self, conn: &mut DbConn) -> Result<Report> {
        let demo_password = "shopwave-demo-shopper";
        let shared_hash = accounts::password::hash(demo_password);
        let admin_password = random_hex(8);
        let seller_password = random_hex(8);

        let (leaves, categories) = write_tx(conn, |c| self.categories(c))?;
        let admin = write_tx(conn, |c| {
            accounts::insert_user(
                c,
                &NewUser {
                    email: "admin@shopwave.test",
                    password: &admin_password,
                    first_name: "Ada",
                    last_name: "Admin",
                    role: Role::Admin,
                },
            )
        })?;
        let _ = admin;
        let sellers = write_tx(conn, |c| self.sellers(c, &seller_password, &shared_hash))?;
        write_tx(conn, |c| self.shipping_and_tax(c))?;

        let mut variants = Vec::new();
        let mut made = 0;
        while made < self.products {
            let batch = (self.products - made).min(2_000);
            let mut more = write_tx(conn, |c| {
                self.products_batch(c, made, batch, &leaves, &sellers)
            })?;
            variants.append(&mut more);
            made += batch;
        }
        write_tx(conn, |c| self.promotions(c, &leaves))?;
        let customers_wanted = (self.products / 10).clamp(40, 100_000);
        let customers = write_tx(conn, |c| self.customers(c, customers_wanted, &shared_hash))?;
        let (orders, purchases) = write_tx(conn, |c| self.orders(c, &customers, &variants))?;
        let reviews = write_tx(conn, |c| self.reviews(c, &purchases))?;

        Ok(Report {
            categories,
            sellers: sellers.len(),
            products: self.products,
            variants: variants.len(),
            customers: customers.len(),
            orders,
            reviews,
            logins: vec![
                (
                    "admin".into(),
                    "admin@shopwave.test".into(),
                    admin_password.clone(),
                ),
                (
                    "seller".into(),
                    "seller1@shopwave.test".into(),
                    seller_password.clone(),
                ),
                (
                    "shopper".into(),
                    "shopper1@shopwave.test".into(),
                    demo_password.into(),
                ),
            ],
        })
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn days_ago(&mut self, max_days: i64) -> NaiveDateTime {
        self.started - Duration::minutes(self.rng.random_range(60..max_days * 24 * 60))
    }

    /// Returns the leaf categories and how many categories were made.
    fn categories(&mut self, conn: &mut DbConn) -> Result<(Vec<(i64, String)>, usize)> {
        let mut leaves = Vec::new();
        let mut count = 0;
        for (top_pos, (top, children)) in TREE.iter().enumerate() {
            let (top_id, top_path) = insert_category(conn, None, "", top, top_pos)?;
            count += 1;
            for (mid_pos, (mid, grandchildren)) in children.iter().enumerate() {
                let (mid_id, mid_path) =
                    insert_category(conn, Some(top_id), &top_path, mid, mid_pos)?;
                count += 1;
                if grandchildren.is_empty() {
                    leaves.push((mid_id, mid.to_string()));
                }
                for (leaf_pos, leaf) in grandchildren.iter().enumerate() {
                    let (leaf_id, _) =
                        insert_category(conn, Some(mid_id), &mid_path, leaf, leaf_pos)?;
                    count += 1;
                    leaves.push((leaf_id, leaf.to_string()));
                }
            }
        }
        Ok((leaves, count))
    }

    fn sellers(
        &mut self,
        conn: &mut DbConn,
        password: &str,
        shared_hash: &str,
    ) -> Result<Vec<i64>> {
        let seller_hash = accounts::password::hash(password);
        let mut ids = Vec::new();
        for (n, name) in SELLERS.iter().enumerate() {
            let email = format!("seller{}@shopwave.test", n + 1);
            let user = NewUser {
                email: &email,
                password,
                first_name: name.split(' ').next().unwrap_or(name),
                last_name: "",
                role: Role::Seller,
            };
            let hash = if n == 0 {
                seller_hash.as_str()
            } else {
                shared_hash
            };
            let user_id = accounts::insert_user_with_hash(conn, &user, hash)?;
            let id = diesel::insert_into(sellers::table)
                .values((
                    sellers::user_id.eq(user_id),
                    sellers::display_name.eq(*name),
                    sellers::slug.eq(slug(name)),
                    sellers::contact_email.eq(format!("hello@{}.test", slug(name))),
                    sellers::commission_bps.eq(1000 + 100 * (n as i32 % 6)),
                    sellers::status.eq("active"),
                ))
                .returning(sellers::id)
                .get_result(conn)?;
            ids.push(id);
        }
        Ok(ids)
    }

    fn shipping_and_tax(&mut self, conn: &mut DbConn) -> Result<()> {
        let methods = [
            ("standard", "Standard (3–5 days)", 499, Some(5000), 3, 5),
            ("express", "Express (1–2 days)", 1299, None, 1, 2),
            ("overnight", "Overnight", 2499, None, 1, 1),
        ];
        for (position, (code, name, price, free_over, min_days, max_days)) in
            methods.into_iter().enumerate()
        {
            diesel::insert_into(shipping_methods::table)
                .values((
                    shipping_methods::code.eq(code),
                    shipping_methods::name.eq(name),
                    shipping_methods::price.eq(price),
                    shipping_methods::free_over.eq(free_over),
                    shipping_methods::min_days.eq(min_days),
                    shipping_methods::max_days.eq(max_days),
                    shipping_methods::position.eq(position as i32),
                ))
                .execute(conn)?;
        }
        let rates = [
            ("US", "", "Sales tax", 600),
            ("US", "CA", "California sales tax", 725),
            ("US", "NY", "New York sales tax", 888),
            ("US", "OR", "Oregon (no sales tax)", 0),
            ("US", "TX", "Texas sales tax", 625),
            ("GB", "", "VAT", 2000),
            ("DE", "", "MwSt", 1900),
            ("FR", "", "TVA", 2000),
            ("CA", "", "GST", 500),
        ];
        for (country, region, name, bps) in rates {
            diesel::insert_into(tax_rates::table)
                .values((
                    tax_rates::country.eq(country),
                    tax_rates::region.eq(region),
                    tax_rates::name.eq(name),
                    tax_rates::rate_bps.eq(bps),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    fn products_batch(
        &mut self,
        conn: &mut DbConn,
        first: usize,
        count: usize,
        leaves: &[(i64, String)],
        sellers: &[i64],
    ) -> Result<Vec<SeededVariant>> {
        let mut variants = Vec::new();
        for n in first..first + count {
            let (category_id, category_name) = leaves[n % leaves.len()].clone();
            let seller_id = sellers[(n / 3 + n % 7) % sellers.len()];
            let noun = singular(&category_name);
            let name = format!(
                "{} {} {}",
                self.pick(ADJECTIVES),
                self.pick(MATERIALS),
                noun
            );
            let slug = format!("{}-{}", slug(&name), n + 1);
            // Prices skew low, as real catalogues do: most under $50, a long tail to $1,500.
            let base = (self.rng.random_range(0.0f64..1.0).powi(3) * 150_000.0) as i64 + 499;
            let base = base / 100 * 100 + 99;
            let description = format!(
                "The {name} is a {adj} choice for anyone shopping for {cat}. Made from {mat} with care, tested for everyday use, and backed by a 2-year warranty. Ships from {seller_note}.",
                adj = self.pick(&[
                    "dependable",
                    "stylish",
                    "practical",
                    "well-reviewed",
                    "popular"
                ]),
                cat = category_name.to_lowercase(),
                mat = self.pick(MATERIALS).to_lowercase(),
                seller_note = "the seller's own warehouse",
            );
            let created = self.days_ago(720);
            let product_id: i64 = diesel::insert_into(products::table)
                .values((
                    products::seller_id.eq(seller_id),
                    products::primary_category_id.eq(category_id),
                    products::name.eq(&name),
                    products::slug.eq(&slug),
                    products::description.eq(&description),
                    products::status.eq(if n % 50 == 49 {
                        ProductStatus::Draft
                    } else {
                        ProductStatus::Active
                    }),
                    products::is_featured.eq(n % 37 == 0),
                    products::created_at.eq(created),
                    products::updated_at.eq(created),
                ))
                .returning(products::id)
                .get_result(conn)?;
            diesel::insert_into(product_categories::table)
                .values((
                    product_categories::product_id.eq(product_id),
                    product_categories::category_id.eq(category_id),
                ))
                .execute(conn)?;
            for position in 0..2 {
                diesel::insert_into(product_images::table)
                    .values((
                        product_images::product_id.eq(product_id),
                        product_images::url.eq(format!(
                            "/static/img/products/{}.svg",
                            (n + position * 5) % 12
                        )),
                        product_images::alt_text.eq(format!("{name}, view {}", position + 1)),
                        product_images::position.eq(position as i32),
                    ))
                    .execute(conn)?;
            }
            let options = variant_options(&category_name);
            let variant_count = self.rng.random_range(1..=options.len().max(1));
            let (mut low, mut high, mut opening) = (i64::MAX, 0, Vec::new());
            for (position, option) in options.iter().take(variant_count).enumerate() {
                let price = base + position as i64 * 500;
                let stock = if self.rng.random_bool(0.08) {
                    0
                } else {
                    self.rng.random_range(1..120)
                };
                let sku = format!("SW-{:06}-{}", n + 1, position + 1);
                let (variant_name, options_json) = match option {
                    Some((label, value)) => (
                        value.to_string(),
                        serde_json::json!({ *label: value }).to_string(),
                    ),
                    None => (String::new(), "{}".to_owned()),
                };
                let variant_id: i64 = diesel::insert_into(product_variants::table)
                    .values((
                        product_variants::product_id.eq(product_id),
                        product_variants::sku.eq(&sku),
                        product_variants::name.eq(&variant_name),
                        product_variants::options.eq(options_json),
                        product_variants::price.eq(price),
                        product_variants::reorder_point.eq(5),
                        product_variants::position.eq(position as i32),
                    ))
                    .returning(product_variants::id)
                    .get_result(conn)?;
                if stock > 0 {
                    opening.push(Move {
                        variant_id,
                        delta: stock,
                    });
                }
                diesel::insert_into(price_history::table)
                    .values((
                        price_history::variant_id.eq(variant_id),
                        price_history::new_price.eq(price),
                        price_history::changed_at.eq(created),
                    ))
                    .execute(conn)?;
                low = low.min(price);
                high = high.max(price);
                variants.push(SeededVariant {
                    id: variant_id,
                    product_id,
                    seller_id,
                    product_name: name.clone(),
                    name: variant_name,
                    sku,
                    price,
                });
            }
            diesel::update(products::table.find(product_id))
                .set((products::price_min.eq(low), products::price_max.eq(high)))
                .execute(conn)?;
            // One call for all the product's variants, so search is told of it once.
            if opening.is_empty() {
                crate::search::enqueue(conn, product_id)?;
            } else {
                inventory::move_stock(conn, &opening, Why::of(MovementReason::Initial))?
                    .map_err(|refused| Error::Internal(format!("opening stock: {refused:?}")))?;
            }
        }
        Ok(variants)
    }

    fn promotions(&mut self, conn: &mut DbConn, leaves: &[(i64, String)]) -> Result<()> {
        let from = self.started - Duration::days(30);
        let until = self.started + Duration::days(365);
        let electronics: i64 = categories::table
            .filter(categories::slug.eq("electronics"))
            .select(categories::id)
            .first(conn)?;
        let _ = leaves;
        let promos: [(
            &str,
            &str,
            &str,
            Option<i32>,
            Option<i64>,
            i64,
            Option<i32>,
            i32,
            &str,
            Option<i64>,
        ); 4] = [
            (
                "WELCOME10",
                "10% off your first order",
                "percentage",
                Some(1000),
                None,
                0,
                None,
                1,
                "site",
                None,
            ),
            (
                "SAVE5",
                "$5 off orders over $50",
                "fixed_amount",
                None,
                Some(500),
                5000,
                None,
                3,
                "site",
                None,
            ),
            (
                "GADGETS15",
                "15% off electronics",
                "percentage",
                Some(1500),
                None,
                2000,
                Some(1000),
                2,
                "category",
                Some(electronics),
            ),
            (
                "FLASH50",
                "Flash sale: 50% off, first 100 orders",
                "percentage",
                Some(5000),
                None,
                0,
                Some(100),
                1,
                "site",
                None,
            ),
        ];
        for (
            code,
            description,
            kind,
            bps,
            amount,
            min_subtotal,
            max_uses,
            per_customer,
            scope,
            category,
        ) in promos
        {
            diesel::insert_into(promotions::table)
                .values((
                    promotions::code.eq(code),
                    promotions::description.eq(description),
                    promotions::discount_kind.eq(kind),
                    promotions::percent_bps.eq(bps),
                    promotions::amount_off.eq(amount),
                    promotions::min_subtotal.eq(min_subtotal),
                    promotions::max_uses.eq(max_uses),
                    promotions::per_customer_limit.eq(per_customer),
                    promotions::scope.eq(scope),
                    promotions::scope_category_id.eq(category),
                    promotions::valid_from.eq(from),
                    promotions::valid_until.eq(until),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// Customers with one or two addresses and a saved test card each: (user id, address id,
    /// country, region).
    fn customers(
        &mut self,
        conn: &mut DbConn,
        count: usize,
        shared_hash: &str,
    ) -> Result<Vec<(i64, i64, &'static str, &'static str)>> {
        let mut made = Vec::new();
        for n in 0..count {
            let first = *self.pick(FIRST_NAMES);
            let last = *self.pick(LAST_NAMES);
            let email = format!("shopper{}@shopwave.test", n + 1);
            let user_id = accounts::insert_user_with_hash(
                conn,
                &NewUser {
                    email: &email,
                    password: "",
                    first_name: first,
                    last_name: last,
                    role: Role::Customer,
                },
                shared_hash,
            )?;
            let (city, region, postal, country) = *self.pick(CITIES);
            let address_id: i64 = diesel::insert_into(addresses::table)
                .values((
                    addresses::user_id.eq(user_id),
                    addresses::label.eq("Home"),
                    addresses::full_name.eq(format!("{first} {last}")),
                    addresses::line1.eq(format!(
                        "{} {} Street",
                        self.rng.random_range(1..400),
                        self.pick(LAST_NAMES)
                    )),
                    addresses::city.eq(city),
                    addresses::region.eq(region),
                    addresses::postal_code.eq(postal),
                    addresses::country.eq(country),
                    addresses::is_default.eq(true),
                ))
                .returning(addresses::id)
                .get_result(conn)?;
            let last4 = format!("{:04}", 4242 + n % 5000);
            diesel::insert_into(payment_methods::table)
                .values((
                    payment_methods::user_id.eq(user_id),
                    payment_methods::gateway_token.eq(format!("tok_demo_{}", random_hex(12))),
                    payment_methods::brand.eq("visa"),
                    payment_methods::last4.eq(last4),
                    payment_methods::exp_month.eq(1 + (n % 12) as i32),
                    payment_methods::exp_year.eq(2029),
                    payment_methods::is_default.eq(true),
                ))
                .execute(conn)?;
            made.push((user_id, address_id, country, region));
        }
        Ok(made)
    }

    /// Past orders in every settled status, each through the ledger; returns how many were made
    /// and who bought which product.
    fn orders(
        &mut self,
        conn: &mut DbConn,
        customers: &[(i64, i64, &str, &str)],
        variants: &[SeededVariant],
    ) -> Result<(usize, Vec<(i64, i64)>)> {
        let standard: (i64, String, i64) = shipping_methods::table
            .filter(shipping_methods::code.eq("standard"))
            .select((
                shipping_methods::id,
                shipping_methods::name,
                shipping_methods::price,
            ))
            .first(conn)?;
        let mut purchases = Vec::new();
        let mut count = 0;
        for (customer_index, &(user_id, address_id, country, region)) in
            customers.iter().enumerate()
        {
            // Repeat customers: a few buy often, most buy once or twice.
            let orders_for = if customer_index % 10 == 0 {
                6
            } else {
                self.rng.random_range(0..3)
            };
            for _ in 0..orders_for {
                let status = *self.pick(PAST_ORDER_STATUSES);
                let placed = self.days_ago(365);
                let lines: Vec<&SeededVariant> = (0..self.rng.random_range(1..=3))
                    .map(|_| {
                        &variants[(self.rng.random_range(0.0f64..1.0).powi(2)
                            * variants.len() as f64) as usize]
                    })
                    .collect();
                let mut lines: Vec<&SeededVariant> = lines;
                lines.sort_by_key(|v| v.id);
                lines.dedup_by_key(|v| v.id);
                let tax_bps = tax_rate(conn, country, region)?;
                let mut items = Vec::new();
                for variant in lines {
                    let stock: i32 = product_variants::table
                        .find(variant.id)
                        .select(product_variants::stock)
                        .first(conn)?;
                    if stock < 2 {
                        continue;
                    }
                    let quantity = self.rng.random_range(1..=2);
                    items.push((variant, quantity));
                }
                if items.is_empty() {
                    continue;
                }
                let subtotal: i64 = items.iter().map(|(v, q)| v.price * i64::from(*q)).sum();
                let shipping = if subtotal >= 5000 { 0 } else { standard.2 };
                let taxes: Vec<i64> = items
                    .iter()
                    .map(|(v, q)| {
                        Money::from_minor(v.price * i64::from(*q))
                            .apply_bps(tax_bps)
                            .minor()
                    })
                    .collect();
                let tax_total: i64 = taxes.iter().sum();
                let number = format!("SW-{}-{:05}", placed.format("%y%m"), count + 1);
                let order_id: i64 = diesel::insert_into(orders::table)
                    .values((
                        orders::number.eq(&number),
                        orders::user_id.eq(user_id),
                        orders::status.eq(status),
                        orders::subtotal.eq(subtotal),
                        orders::shipping_total.eq(shipping),
                        orders::tax_total.eq(tax_total),
                        orders::grand_total.eq(subtotal + shipping + tax_total),
                        orders::shipping_method_id.eq(standard.0),
                        orders::shipping_method_name.eq(&standard.1),
                        orders::shipping_address_id.eq(address_id),
                        orders::ship_name.eq("Demo Shopper"),
                        orders::ship_line1.eq("1 Demo Street"),
                        orders::ship_city.eq("Demo City"),
                        orders::ship_region.eq(region),
                        orders::ship_postal_code.eq("00000"),
                        orders::ship_country.eq(country),
                        orders::idempotency_key.eq(random_hex(16)),
                        orders::tracking_number.eq(matches!(status, "shipped" | "delivered")
                            .then(|| format!("1Z{}", random_hex(8).to_uppercase()))),
                        orders::created_at.eq(placed),
                        orders::updated_at.eq(placed),
                    ))
                    .returning(orders::id)
                    .get_result(conn)?;
                for ((variant, quantity), tax) in items.iter().zip(&taxes) {
                    let line_subtotal = variant.price * i64::from(*quantity);
                    diesel::insert_into(order_items::table)
                        .values((
                            order_items::order_id.eq(order_id),
                            order_items::variant_id.eq(variant.id),
                            order_items::product_id.eq(variant.product_id),
                            order_items::seller_id.eq(variant.seller_id),
                            order_items::product_name.eq(&variant.product_name),
                            order_items::variant_name.eq(&variant.name),
                            order_items::sku.eq(&variant.sku),
                            order_items::unit_price.eq(variant.price),
                            order_items::quantity.eq(quantity),
                            order_items::line_subtotal.eq(line_subtotal),
                            order_items::tax_rate_bps.eq(tax_bps),
                            order_items::tax.eq(tax),
                            order_items::line_total.eq(line_subtotal + tax),
                        ))
                        .execute(conn)?;
                    move_stock(conn, variant.id, -quantity, MovementReason::Sale, order_id)?;
                    if status == "cancelled" {
                        move_stock(
                            conn,
                            variant.id,
                            *quantity,
                            MovementReason::Cancellation,
                            order_id,
                        )?;
                    } else {
                        purchases.push((user_id, variant.product_id));
                    }
                }
                let mut previous: Option<&str> = None;
                for step in status_path(status) {
                    diesel::insert_into(order_status_history::table)
                        .values((
                            order_status_history::order_id.eq(order_id),
                            order_status_history::from_status.eq(previous),
                            order_status_history::to_status.eq(step),
                            order_status_history::created_at.eq(placed),
                        ))
                        .execute(conn)?;
                    previous = Some(step);
                }
                let grand_total = subtotal + shipping + tax_total;
                let payment_id: i64 = diesel::insert_into(payments::table)
                    .values((
                        payments::order_id.eq(order_id),
                        payments::gateway.eq("test"),
                        payments::idempotency_key.eq(format!("pay_{}", random_hex(12))),
                        payments::gateway_reference.eq(format!("ch_{}", random_hex(10))),
                        payments::status.eq(if status == "cancelled" {
                            "voided"
                        } else {
                            "captured"
                        }),
                        payments::amount.eq(grand_total),
                        payments::card_brand.eq("visa"),
                        payments::card_last4.eq("4242"),
                        payments::created_at.eq(placed),
                        payments::updated_at.eq(placed),
                    ))
                    .returning(payments::id)
                    .get_result(conn)?;
                if status == "refunded" {
                    diesel::insert_into(refunds::table)
                        .values((
                            refunds::payment_id.eq(payment_id),
                            refunds::order_id.eq(order_id),
                            refunds::amount.eq(grand_total),
                            refunds::reason.eq("Customer returned the items"),
                            refunds::status.eq("succeeded"),
                        ))
                        .execute(conn)?;
                }
                count += 1;
            }
        }
        Ok((count, purchases))
    }

    fn reviews(&mut self, conn: &mut DbConn, purchases: &[(i64, i64)]) -> Result<usize> {
        let mut seen = std::collections::HashSet::new();
        let mut count = 0;
        for &(user_id, product_id) in purchases {
            if !seen.insert((user_id, product_id)) || self.rng.random_bool(0.35) {
                continue;
            }
            // Mostly positive, as real reviews are.
            let index =
                (self.rng.random_range(0.0f64..1.0).powi(2) * REVIEW_TITLES.len() as f64) as usize;
            let (rating, title, body) = REVIEW_TITLES[index.min(REVIEW_TITLES.len() - 1)];
            let status = if self.rng.random_bool(0.85) {
                "approved"
            } else {
                "pending"
            };
            diesel::insert_into(reviews::table)
                .values((
                    reviews::user_id.eq(user_id),
                    reviews::product_id.eq(product_id),
                    reviews::rating.eq(rating),
                    reviews::title.eq(title),
                    reviews::body.eq(body),
                    reviews::status.eq(status),
                    reviews::is_verified_purchase.eq(true),
                ))
                .execute(conn)?;
            if status == "approved" {
                refresh_rating(conn, product_id)?;
            }
            count += 1;
        }
        Ok(count)
    }
}

fn insert_category(
    conn: &mut DbConn,
    parent: Option<i64>,
    parent_path: &str,
    name: &str,
    position: usize,
) -> Result<(i64, String)> {
    let slug = slug(name);
    let depth = parent_path.matches('/').count().saturating_sub(1) as i32;
    let id: i64 = diesel::insert_into(categories::table)
        .values((
            categories::parent_id.eq(parent),
            categories::name.eq(name),
            categories::slug.eq(&slug),
            categories::description.eq(format!("Browse our range of {}.", name.to_lowercase())),
            categories::path.eq(format!("pending:{slug}")),
            categories::depth.eq(depth),
            categories::position.eq(position as i32),
        ))
        .returning(categories::id)
        .get_result(conn)?;
    let path = format!(
        "{}/{id}/",
        if parent_path.is_empty() {
            ""
        } else {
            parent_path.trim_end_matches('/')
        }
    );
    diesel::update(categories::table.find(id))
        .set(categories::path.eq(&path))
        .execute(conn)?;
    Ok((id, path))
}

/// One past order's line moving stock, through the shop's own rule.
fn move_stock(
    conn: &mut DbConn,
    variant_id: i64,
    delta: i32,
    reason: MovementReason,
    order_id: i64,
) -> Result<()> {
    let why = Why {
        order_id: Some(order_id),
        ..Why::of(reason)
    };
    inventory::move_stock(conn, &[Move { variant_id, delta }], why)?
        .map_err(|refused| Error::Internal(format!("seeded order's stock: {refused:?}")))?;
    Ok(())
}

fn tax_rate(conn: &mut DbConn, country: &str, region: &str) -> Result<i32> {
    let rates: Vec<(String, i32)> = tax_rates::table
        .filter(tax_rates::country.eq(country))
        .select((tax_rates::region, tax_rates::rate_bps))
        .load(conn)?;
    let regional = rates
        .iter()
        .find(|(r, _)| r == region)
        .or_else(|| rates.iter().find(|(r, _)| r.is_empty()));
    Ok(regional.map(|(_, bps)| *bps).unwrap_or(0))
}

/// Recomputes a product's rating from its approved reviews.
fn refresh_rating(conn: &mut DbConn, product_id: i64) -> Result<()> {
    let ratings: Vec<i32> = reviews::table
        .filter(reviews::product_id.eq(product_id))
        .filter(reviews::status.eq("approved"))
        .select(reviews::rating)
        .load(conn)?;
    let sum: i64 = ratings.iter().map(|r| i64::from(*r)).sum();
    let count = ratings.len() as i64;
    let average = if count == 0 {
        0
    } else {
        ((sum * 100) as f64 / count as f64).round() as i32
    };
    diesel::update(products::table.find(product_id))
        .set((
            products::rating_sum.eq(sum),
            products::rating_count.eq(count as i32),
            products::rating_avg.eq(average),
        ))
        .execute(conn)?;
    crate::search::enqueue(conn, product_id)
}

fn status_path(status: &str) -> &'static [&'static str] {
    match status {
        "delivered" => &[
            "pending_payment",
            "confirmed",
            "processing",
            "shipped",
            "delivered",
        ],
        "shipped" => &["pending_payment", "confirmed", "processing", "shipped"],
        "processing" => &["pending_payment", "confirmed", "processing"],
        "cancelled" => &["pending_payment", "confirmed", "cancelled"],
        "refunded" => &[
            "pending_payment",
            "confirmed",
            "processing",
            "shipped",
            "delivered",
            "refunded",
        ],
        _ => &["pending_payment", "confirmed"],
    }
}

fn variant_options(category: &str) -> Vec<Option<(&'static str, &'static str)>> {
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

fn singular(category: &str) -> String {
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
        other => other.strip_suffix('s').unwrap_or(other).to_owned(),
    }
}

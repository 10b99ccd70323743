//! Builders for shop data, inserted straight into the database: each test states only what it
//! cares about and gets sensible defaults for the rest.

use diesel::prelude::*;

use shopwave::db::DbConn;
use shopwave::db::schema::*;
use shopwave::orders::months;
use shopwave::util::random_hex;

/// Inserts a user and returns its id; `email` must be unique within the test.
pub struct UserBuilder {
    pub email: String,
    pub role: &'static str,
    pub password_hash: String,
}

impl UserBuilder {
    pub fn customer() -> UserBuilder {
        UserBuilder {
            email: format!("{}@example.test", random_hex(6)),
            role: "customer",
            password_hash: "x".into(),
        }
    }

    pub fn role(mut self, role: &'static str) -> UserBuilder {
        self.role = role;
        self
    }

    pub fn email(mut self, email: &str) -> UserBuilder {
        self.email = email.to_owned();
        self
    }

    /// A real argon2id hash of `password`, for tests that sign in through the login form.
    pub fn password(mut self, password: &str) -> UserBuilder {
        self.password_hash = shopwave::accounts::password::hash(password);
        self
    }

    pub fn insert(self, conn: &mut DbConn) -> i64 {
        diesel::insert_into(users::table)
            .values((
                users::email.eq(self.email),
                users::password_hash.eq(self.password_hash),
                users::first_name.eq("Test"),
                users::last_name.eq("User"),
                users::role.eq(self.role),
            ))
            .returning(users::id)
            .get_result(conn)
            .expect("insert user")
    }
}

pub fn seller(conn: &mut DbConn) -> i64 {
    let user_id = UserBuilder::customer().role("seller").insert(conn);
    let tag = random_hex(4);
    diesel::insert_into(sellers::table)
        .values((
            sellers::user_id.eq(user_id),
            sellers::display_name.eq(format!("Seller {tag}")),
            sellers::slug.eq(format!("seller-{tag}")),
            sellers::contact_email.eq(format!("seller-{tag}@example.test")),
        ))
        .returning(sellers::id)
        .get_result(conn)
        .expect("insert seller")
}

pub fn category(conn: &mut DbConn, name: &str) -> i64 {
    insert_category(conn, name, None)
}

/// A category under `parent_id`, with its materialised path and depth.
pub fn subcategory(conn: &mut DbConn, parent_id: i64, name: &str) -> i64 {
    insert_category(conn, name, Some(parent_id))
}

fn insert_category(conn: &mut DbConn, name: &str, parent_id: Option<i64>) -> i64 {
    let slug = format!(
        "{}-{}",
        name.to_lowercase().replace(' ', "-"),
        random_hex(3)
    );
    let (parent_path, depth) = match parent_id {
        Some(parent) => categories::table
            .find(parent)
            .select((categories::path, categories::depth + 1))
            .first::<(String, i32)>(conn)
            .expect("parent category"),
        None => ("/".to_owned(), 0),
    };
    let id: i64 = diesel::insert_into(categories::table)
        .values((
            categories::name.eq(name),
            categories::slug.eq(&slug),
            categories::parent_id.eq(parent_id),
            categories::depth.eq(depth),
            categories::path.eq(format!("tmp:{slug}")),
        ))
        .returning(categories::id)
        .get_result(conn)
        .expect("insert category");
    diesel::update(categories::table.find(id))
        .set(categories::path.eq(format!("{parent_path}{id}/")))
        .execute(conn)
        .expect("path");
    id
}

pub fn category_slug(conn: &mut DbConn, id: i64) -> String {
    categories::table
        .find(id)
        .select(categories::slug)
        .first(conn)
        .expect("category")
}

pub fn product_slug(conn: &mut DbConn, id: i64) -> String {
    products::table
        .find(id)
        .select(products::slug)
        .first(conn)
        .expect("product")
}

/// An active product with one variant, announced to search as a seller's edit would be;
/// returns (product id, variant id).
pub struct ProductBuilder {
    pub name: String,
    pub description: String,
    pub price: i64,
    pub stock: i32,
    pub status: &'static str,
    pub featured: bool,
    /// (average in hundredths, count)
    pub rating: (i32, i32),
}

impl ProductBuilder {
    pub fn new(name: &str) -> ProductBuilder {
        ProductBuilder {
            name: name.to_owned(),
            description: String::new(),
            price: 1999,
            stock: 10,
            status: "active",
            featured: false,
            rating: (0, 0),
        }
    }

    pub fn description(mut self, text: &str) -> ProductBuilder {
        self.description = text.to_owned();
        self
    }

    pub fn featured(mut self) -> ProductBuilder {
        self.featured = true;
        self
    }

    pub fn rating(mut self, average_hundredths: i32, count: i32) -> ProductBuilder {
        self.rating = (average_hundredths, count);
        self
    }

    pub fn price(mut self, cents: i64) -> ProductBuilder {
        self.price = cents;
        self
    }

    pub fn stock(mut self, units: i32) -> ProductBuilder {
        self.stock = units;
        self
    }

    pub fn status(mut self, status: &'static str) -> ProductBuilder {
        self.status = status;
        self
    }

    pub fn insert(self, conn: &mut DbConn, seller_id: i64, category_id: i64) -> (i64, i64) {
        let tag = random_hex(4);
        let product_id: i64 = diesel::insert_into(products::table)
            .values((
                products::seller_id.eq(seller_id),
                products::primary_category_id.eq(category_id),
                products::name.eq(&self.name),
                products::description.eq(&self.description),
                products::is_featured.eq(self.featured),
                products::rating_avg.eq(self.rating.0),
                products::rating_count.eq(self.rating.1),
                products::rating_sum.eq(i64::from(self.rating.0) * i64::from(self.rating.1) / 100),
                products::slug.eq(format!(
                    "{}-{tag}",
                    self.name
                        .to_lowercase()
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                        .collect::<String>()
                )),
                products::status.eq(self.status),
                products::price_min.eq(self.price),
                products::price_max.eq(self.price),
                products::in_stock.eq(self.stock > 0),
            ))
            .returning(products::id)
            .get_result(conn)
            .expect("insert product");
        diesel::insert_into(product_categories::table)
            .values((
                product_categories::product_id.eq(product_id),
                product_categories::category_id.eq(category_id),
            ))
            .execute(conn)
            .expect("insert product category");
        let variant_id: i64 = diesel::insert_into(product_variants::table)
            .values((
                product_variants::product_id.eq(product_id),
                product_variants::sku.eq(format!("SKU-{tag}")),
                product_variants::price.eq(self.price),
                product_variants::stock.eq(self.stock),
            ))
            .returning(product_variants::id)
            .get_result(conn)
            .expect("insert variant");
        if self.stock > 0 {
            // The opening balance, written as a fixture row: the stock was inserted with the variant.
            diesel::insert_into(inventory_movements::table)
                .values((
                    inventory_movements::variant_id.eq(variant_id),
                    inventory_movements::delta.eq(self.stock),
                    inventory_movements::reason.eq(shopwave::inventory::MovementReason::Initial),
                ))
                .execute(conn)
                .expect("ledger row");
        }
        shopwave::search::enqueue(conn, product_id).expect("search outbox row");
        (product_id, variant_id)
    }
}

/// Inserts a review of `product_id` by `user_id` in the given status; returns its id.
pub fn review(conn: &mut DbConn, user_id: i64, product_id: i64, rating: i32, status: &str) -> i64 {
    diesel::insert_into(reviews::table)
        .values((
            reviews::user_id.eq(user_id),
            reviews::product_id.eq(product_id),
            reviews::rating.eq(rating),
            reviews::title.eq(format!("Review {}", random_hex(3))),
            reviews::body.eq("Words about the product."),
            reviews::status.eq(status),
        ))
        .returning(reviews::id)
        .get_result(conn)
        .expect("insert review")
}

/// One line of a test order: what was bought from whom, at what price.
pub struct Line {
    pub product_id: i64,
    pub variant_id: i64,
    pub seller_id: i64,
    pub unit_price: i64,
    pub quantity: i32,
    pub tax: i64,
}

/// Inserts an order placed at `created_at` in `status` with its lines, totals consistent with
/// the schema's checks; returns the order id.
pub fn order(
    conn: &mut DbConn,
    user_id: i64,
    status: &str,
    created_at: chrono::NaiveDateTime,
    lines: &[Line],
) -> i64 {
    let subtotal: i64 = lines
        .iter()
        .map(|l| l.unit_price * i64::from(l.quantity))
        .sum();
    let tax_total: i64 = lines.iter().map(|l| l.tax).sum();
    // Dated `created_at`, the order takes that month's id where ids carry months
    // (src/orders/months.rs).
    let id = months::order_id_for(conn, created_at).expect("an id in the order's month");
    let order_id: i64 = diesel::insert_into(orders::table)
        .values((
            id.map(|id| orders::id.eq(id)),
            orders::number.eq(format!("SW-{}", random_hex(5))),
            orders::user_id.eq(user_id),
            orders::status.eq(status),
            orders::subtotal.eq(subtotal),
            orders::tax_total.eq(tax_total),
            orders::grand_total.eq(subtotal + tax_total),
            orders::shipping_method_name.eq("Standard"),
            orders::ship_name.eq("Ann Smith"),
            orders::ship_line1.eq("1 Main St"),
            orders::ship_city.eq("Springfield"),
            orders::ship_postal_code.eq("12345"),
            orders::ship_country.eq("US"),
            orders::idempotency_key.eq(random_hex(8)),
            orders::created_at.eq(created_at),
            orders::updated_at.eq(created_at),
        ))
        .returning(orders::id)
        .get_result(conn)
        .expect("insert order");
    for line in lines {
        let line_subtotal = line.unit_price * i64::from(line.quantity);
        let id = months::line_id_for(conn, order_id).expect("a line id in the order's month");
        diesel::insert_into(order_items::table)
            .values((
                id.map(|id| order_items::id.eq(id)),
                order_items::order_id.eq(order_id),
                order_items::variant_id.eq(line.variant_id),
                order_items::product_id.eq(line.product_id),
                order_items::seller_id.eq(line.seller_id),
                order_items::product_name.eq("Snapshot name"),
                order_items::sku.eq("SNAP"),
                order_items::unit_price.eq(line.unit_price),
                order_items::quantity.eq(line.quantity),
                order_items::line_subtotal.eq(line_subtotal),
                order_items::tax.eq(line.tax),
                order_items::line_total.eq(line_subtotal + line.tax),
            ))
            .execute(conn)
            .expect("insert order line");
    }
    // Past the shop's rules, as the bulk seed: the sales totals are refilled from the orders.
    shopwave::sales_totals::rebuild(conn).expect("sales totals");
    order_id
}

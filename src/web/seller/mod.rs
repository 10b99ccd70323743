//! `/seller/*`: the seller panel. Every handler takes `SellerUser` (others get 403, a suspended
//! seller a 403 saying so, visitors are sent to sign in) and passes the signed-in user to the
//! sellers service, which finds their seller profile and answers 404 for another seller's
//! products. `/seller/apply` is open to any signed-in user.

mod apply;
mod bulk;
mod dashboard;
mod images;
mod orders;
mod payouts;
mod product_page;
mod products;
mod returns;
mod variants;

use actix_web::web;

use super::routing::{form, page, page_and_form};

pub fn routes(cfg: &mut web::ServiceConfig) {
    use products as p;
    cfg.service(page("/seller", dashboard::show_dashboard))
        .service(page_and_form("/seller/apply", apply::show, apply::submit))
        .service(page_and_form("/seller/products", p::list, p::create))
        .service(page("/seller/products/new", p::show_new))
        .service(page_and_form(
            "/seller/products/{id}",
            product_page::show_edit,
            p::update_details,
        ))
        .service(page_and_form(
            "/seller/products/{id}/images",
            images::list,
            images::upload,
        ))
        .service(form(
            "/seller/products/{id}/images/{image_id}/alt",
            images::set_alt_text,
        ))
        .service(form(
            "/seller/products/{id}/images/{image_id}/move",
            images::move_image,
        ))
        .service(form(
            "/seller/products/{id}/images/{image_id}/delete",
            images::delete,
        ))
        .service(form(
            "/seller/products/{id}/variants/{variant_id}/price",
            p::change_price,
        ))
        .service(form(
            "/seller/products/{id}/variants/{variant_id}/stock",
            p::adjust_stock,
        ))
        .service(form("/seller/products/{id}/category", p::change_category))
        .service(form("/seller/products/{id}/archive", p::archive))
        .service(form("/seller/products/{id}/variants", variants::add))
        .service(form(
            "/seller/products/{id}/variants/{variant_id}",
            variants::update,
        ))
        .service(form(
            "/seller/products/{id}/variants/{variant_id}/remove",
            variants::remove,
        ))
        .service(page(
            "/seller/products/{id}/variants/{variant_id}/history",
            variants::history,
        ))
        .service(page("/seller/returns", returns::list))
        .service(page("/seller/returns/{id}", returns::show))
        .service(form("/seller/returns/{id}/decide", returns::decide))
        .service(form("/seller/returns/{id}/receive", returns::receive))
        .service(page("/seller/payouts", payouts::list))
        // The CSV first: `{id}` alone would also match `12.csv`.
        .service(page("/seller/payouts/{id:\\d+}.csv", payouts::csv))
        .service(page("/seller/payouts/{id}", payouts::show))
        .service(page("/seller/orders", orders::list))
        .service(page("/seller/orders/{number}", orders::show))
        .service(page(
            "/seller/orders/{number}/packing-slip",
            orders::packing_slip,
        ))
        .service(form("/seller/orders/{number}/pack", orders::pack))
        .service(form("/seller/orders/{number}/ship", orders::ship))
        .service(form("/seller/orders/{number}/deliver", orders::deliver))
        .service(form(
            "/seller/orders/{number}/lines/{line_id}/cancel",
            orders::cancel_line,
        ))
        .service(page("/seller/products.csv", bulk::products_csv))
        .service(page("/seller/orders.csv", bulk::orders_csv))
        .service(page_and_form(
            "/seller/imports",
            bulk::show_imports,
            bulk::upload,
        ))
        .service(page("/seller/imports/{id}", bulk::show_import))
        .service(form("/seller/imports/{id}/apply", bulk::apply));
}

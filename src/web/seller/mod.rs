//! `/seller/*`: the seller panel. Every handler takes `SellerUser` (others get 403, visitors
//! are sent to sign in) and passes the signed-in user to the sellers service, which finds
//! their seller profile and answers 404 for another seller's products.

mod dashboard;
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
        .service(page_and_form("/seller/products", p::list, p::create))
        .service(page("/seller/products/new", p::show_new))
        .service(page_and_form(
            "/seller/products/{id}",
            product_page::show_edit,
            p::update_details,
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
        ));
}

//! `/seller/*`: the seller panel. Every handler takes `SellerUser` (others get 403, visitors
//! are sent to sign in) and passes the signed-in user to the sellers service, which finds
//! their seller profile and answers 404 for another seller's products.

mod dashboard;
mod products;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(dashboard::show_dashboard)
        .service(products::list)
        .service(products::show_new)
        .service(products::create)
        .service(products::show_edit)
        .service(products::update_details)
        .service(products::change_price)
        .service(products::adjust_stock);
}

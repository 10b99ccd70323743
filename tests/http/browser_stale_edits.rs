//! Two browsers on one listing, in headless Chromium: the seller's second device saves the
//! product's details first, and the first device's save of the page it had open is refused with
//! both versions side by side; saving again from there replaces the other save on purpose.

use crate::common::browser::Browser;
use crate::common::catalog_admin::shop;
use crate::common::fulfilment::with_password;
use crate::on_both_backends;

const PASSWORD: &str = "plum kettle harbour";

on_both_backends! {
    async fn the_second_of_two_browsers_to_save_sees_the_first_save_and_chooses(db: TestDb) {
        let shop = shop(&db);
        let email = with_password(&mut db.conn(), shop.seller_user, PASSWORD);
        let Some(laptop) = Browser::open(db).await else { return };
        let phone = laptop.another().await;
        let edit = format!("/seller/products/{}", shop.product);
        for device in [&laptop, &phone] {
            device.sign_in(&email, PASSWORD).await;
            device.visit(&edit).await;
        }

        phone.fill("Name", "Linen Shirt, Blue").await;
        phone.submit("Save details").await;
        phone.expect_text("Product details saved.").await;

        laptop.fill("Name", "Linen Shirt, White").await;
        laptop.submit("Save details").await;
        laptop.expect_text("This was changed by someone else since you opened it").await;
        laptop.expect_text("Name Linen Shirt, Blue Linen Shirt, White").await;
        assert_eq!(laptop.heading().await, "Linen Shirt, Blue", "the saved name is not overwritten");

        laptop.submit("Save details").await;
        laptop.expect_text("Product details saved.").await;
        assert_eq!(laptop.heading().await, "Linen Shirt, White");
        phone.visit(&edit).await;
        assert_eq!(phone.heading().await, "Linen Shirt, White");
        drop(phone);
    }
}

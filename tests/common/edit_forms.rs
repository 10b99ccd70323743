//! The forms that carry the version they were opened at (src/edits.rs): which page holds the
//! form a path is posted from, and the version that form carries, so a test posts an edit the
//! way a visitor who has just opened the page would.

/// The page holding the form that posts to `path`, and that form's action, for the versioned
/// forms; `None` for any other path. A variant's price is set through the variant's edit form.
pub fn page_and_form_of(path: &str) -> Option<(String, String)> {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let id = |s: &str| s.parse::<i64>().is_ok();
    let page = match parts.as_slice() {
        ["seller", "products", p] if id(p) => return Some((path.to_owned(), path.to_owned())),
        ["seller", "products", p, "category"] if id(p) => format!("/seller/products/{p}"),
        ["seller", "products", p, "variants", v] if id(p) && id(v) => {
            format!("/seller/products/{p}")
        }
        ["seller", "products", p, "variants", v, "price"] if id(p) && id(v) => {
            let form = format!("/seller/products/{p}/variants/{v}");
            return Some((format!("/seller/products/{p}"), form));
        }
        ["admin", "categories", c, "rename" | "move"] if id(c) => format!("/admin/categories/{c}"),
        ["admin", "promotions" | "shipping" | "taxes", n] if id(n) => path.to_owned(),
        ["admin", "orders", number, "note"] => format!("/admin/orders/{number}"),
        _ => return None,
    };
    Some((page, path.to_owned()))
}

/// The version carried by the form posting to `action` on `page`, if the page has that form
/// (an archived product's page has none); panics when the form is there without a version,
/// since a visitor's browser would then post none.
pub fn version_in(page: &str, action: &str) -> Option<String> {
    let start = page.find(&format!("action=\"{action}\""))?;
    let form = &page[start..];
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    Some(super::page::form_field(form, "version"))
}

/// Opens `page` as the signed-in visitor and returns the version its form posting to `action`
/// carries, to post later as a form left open would.
pub async fn open(app: &super::TestApp, page: &str, action: &str) -> String {
    let shown = app.get(page).await;
    shown.assert_status(200);
    version_in(&shown.body, action).unwrap_or_else(|| panic!("no form posting to {action}"))
}

/// The fields with the version a form was opened at.
pub fn at_version<'a>(fields: &[(&'a str, &'a str)], version: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut all = fields.to_vec();
    all.push(("version", version));
    all
}
